import type { FC } from "hono/jsx";
import type { ContentOf } from "../codes/catalog";
import { Content, FileLink, HeroImage, Masthead, str } from "./parts";

/**
 * An event code's page. Times are rendered by the server in the event's own offset (the page is
 * cached and shared by every visitor), then the locale script rewrites each `<time data-local>`
 * in the visitor's language and time zone with Intl.
 */

function offsetOf(iso: string): { minutes: number; label: string } {
  const match = /([+-])(\d{2}):?(\d{2})$/.exec(iso);
  if (!match) return { minutes: 0, label: "UTC" };
  const minutes = (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
  return { minutes, label: minutes === 0 ? "UTC" : `UTC${match[1]}${match[2]}:${match[3]}` };
}

const FALLBACK_FORMAT = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", weekday: "long", year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit" });

/** "Thursday 10 December 2026, 18:00 (UTC+02:00)": the wall-clock time where the event happens. */
export function eventTimeFallback(iso: string): string {
  const { minutes, label } = offsetOf(iso);
  return `${FALLBACK_FORMAT.format(new Date(Date.parse(iso) + minutes * 60_000))} (${label})`;
}

const EventTime: FC<{ iso: string }> = ({ iso }) => (
  <time datetime={new Date(Date.parse(iso)).toISOString()} data-local="">
    {eventTimeFallback(iso)}
  </time>
);

export const EventPage: FC<{ content: ContentOf<"event">; calendarHref: string }> = ({ content, calendarHref }) => (
  <>
    <Masthead title={content.name} kicker={str(content.eventType)} mark={<HeroImage image={content.image} />} />
    <Content>
      <dl>
        <dt>Starts</dt>
        <dd>
          <EventTime iso={content.startDate} />
        </dd>
        <dt>Ends</dt>
        <dd>
          <EventTime iso={content.endDate} />
        </dd>
        {str(content.location) && (
          <>
            <dt>Where</dt>
            <dd dir="auto">{content.location}</dd>
          </>
        )}
      </dl>
      {str(content.description) && (
        <p class="body" dir="auto">
          {content.description}
        </p>
      )}
      <ul class="actions">
        <li>
          <a class="button center" href={calendarHref} download="event.ics">
            <span>Add to calendar</span>
          </a>
        </li>
        {str(content.publicFilePath) && (
          <li>
            <FileLink file={content.publicFilePath} />
          </li>
        )}
      </ul>
    </Content>
  </>
);
