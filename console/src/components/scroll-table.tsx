import type { ComponentChildren } from "preact";

/**
 * A table that scrolls sideways on a phone: its frame takes keyboard focus (a region a keyboard
 * cannot scroll is unreadable without a mouse) and is named by the table's caption.
 */
export function ScrollTable({ label, headers, children }: { label: string; headers: string[]; children: ComponentChildren }) {
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={`${label} table`}>
      <table>
        <caption class="visually-hidden">{label}</caption>
        <thead>
          <tr>
            {headers.map((header) => (
              <th scope="col" key={header}>
                {header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
