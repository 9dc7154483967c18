import type { FC } from "hono/jsx";
import type { ContentOf } from "../codes/catalog";
import { ExternalLink, str, UserText } from "./parts";

/** A vcard code's contact card, with its vCard behind "Save contact". */

export function contactName(card: ContentOf<"vcard">): string {
  const person = [str(card.firstName), str(card.lastName)].filter(Boolean).join(" ");
  return person || str(card.organisation) || "Contact";
}

/** Our own tel: URI from a validated phone number: digits and a leading + only. */
const telHref = (tel: string) => `tel:${tel.trim().startsWith("+") ? "+" : ""}${tel.replace(/\D/g, "")}`;
const mailHref = (email: string) => (/^[^\s@<>"'()\\,;:]+@[^\s@<>"'()\\,;:]+$/.test(email) ? `mailto:${email}` : null);

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
      <h1>
        <UserText text={name} />
      </h1>
      {role.length > 0 && (
        <p dir="auto">
          {role.map((part, i) => (
            <>
              {i > 0 && " · "}
              <UserText text={part} />
            </>
          ))}
        </p>
      )}
      <ul class="actions">
        <li>
          <a class="button" href={vcfHref} download="contact.vcf">
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
    </>
  );
};
