import ical, { ICalCalendarMethod } from "ical-generator";
import type { ContentOf } from "../codes/catalog";

/**
 * The .ics behind an event page's "Add to calendar", made by ical-generator (maintained, no
 * runtime dependencies, no Node built-ins: it runs in workerd as is). Times are written in UTC
 * (`DTSTART:20261210T180000Z`), which every calendar converts to its own zone; the library does
 * the RFC 5545 text escaping and line folding.
 */
export function eventCalendar(event: ContentOf<"event">, options: { uid: string; pageUrl: string; stamp: string }): string {
  const calendar = ical({ prodId: { company: "edge-qr", product: "hosted-pages", language: "EN" }, method: ICalCalendarMethod.PUBLISH });
  calendar.createEvent({
    id: options.uid,
    stamp: new Date(Date.parse(options.stamp)),
    start: new Date(Date.parse(event.startDate)),
    end: new Date(Date.parse(event.endDate)),
    summary: event.name,
    location: event.location?.trim() ? event.location : null,
    description: event.description?.trim() ? event.description : null,
    url: options.pageUrl,
  });
  return calendar.toString();
}
