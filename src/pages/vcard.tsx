import type { FC } from "hono/jsx";
import type { ContentOf } from "../codes/catalog";
import { Content, ExternalLink, Masthead, str, UserText } from "./parts";

/** A vcard code's contact card, with its vCard behind "Save contact". */

export function contactName(card: ContentOf<"vcard">): string {
  const person = [str(card.firstName), str(card.lastName)].filter(Boolean).join(" ");
  return person || str(card.organisation) || "Contact";
}

/** Our own tel: URI from a validated phone number: digits and a leading + only. */
const telHref = (tel: string) => `tel:${tel.trim().startsWith("+") ? "+" : ""}${tel.replace(/\D/g, "")}`;
const mailHref = (email: string) => (/^[^\s@<>"'()\\,;:]+@[^\s@<>"'()\\,;:]+$/.test(email) ? `mailto:${email}` : null);

/**
 * The card's mark: the person's initials (or the organisation's) in a circle, since a contact has
 * no picture. Letters and digits only, so a name made of symbols or bidi controls shows none.
 */
const Initials: FC<{ card: ContentOf<"vcard"> }> = ({ card }) => {
  const initialOf = (value: unknown) => Array.from(str(value) ?? "").find((ch) => /[\p{L}\p{N}]/u.test(ch)) ?? "";
  const person = initialOf(card.firstName) + initialOf(card.lastName);
  const letters = (person || initialOf(card.organisation)).toLocaleUpperCase();
  return letters ? (
    <span class="avatar" aria-hidden="true">
      {letters}
    </span>
  ) : null;
};

const Row: FC<{ label: string; children?: unknown }> = ({ label, children }) => (
  <>
    <dt>{label}</dt>
    <dd dir="auto">{children}</dd>
  </>
);

export const VcardPage: FC<{ card: ContentOf<"vcard">; vcfHref: string }> = ({ card, vcfHref }) => {
  const name = contactName(card);
  const role = [str(card.jobTitle), name !== str(card.organisation) ? str(card.organisation) : null].filter((v): v is string => v !== null);
  const address = [card.street, [card.zipCode, card.city].map(str).filter(Boolean).join(" "), card.state, card.country].map(str).filter((v): v is string => v !== null);
  const email = str(card.email);
  const mail = email ? mailHref(email) : null;
  return (
    <>
      <Masthead title={name} mark={<Initials card={card} />}>
        {role.length > 0 && (
          <p class="lede" dir="auto">
            {role.map((part, i) => (
              <>
                {i > 0 && " · "}
                <UserText text={part} />
              </>
            ))}
          </p>
        )}
      </Masthead>
      <Content>
        <ul class="actions">
          <li>
            <a class="button center" href={vcfHref} download="contact.vcf">
              <span>Save contact</span>
            </a>
          </li>
        </ul>
        <dl>
          {str(card.tel) && (
            <Row label="Phone">
              <a href={telHref(card.tel!)}>{card.tel}</a>
            </Row>
          )}
          {email && <Row label="Email">{mail ? <a href={mail}>{email}</a> : email}</Row>}
          {str(card.url) && (
            <Row label="Website">
              <ExternalLink href={card.url}>{card.url}</ExternalLink>
            </Row>
          )}
          {address.length > 0 && (
            <Row label="Address">
              {address.map((line, i) => (
                <>
                  {i > 0 && <br />}
                  <UserText text={line} />
                </>
              ))}
            </Row>
          )}
          {str(card.note) && (
            <Row label="Note">
              <span class="body">{card.note}</span>
            </Row>
          )}
        </dl>
      </Content>
    </>
  );
};
