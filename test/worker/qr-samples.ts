/** One valid content object per type, and what a static type's image must encode. */
export const SAMPLES = {
  url: { content: { url: "https://example.com/launch?utm=qr" } },
  text: { content: { text: "Hello from the hosted page", name: "Greeting", hostedPageBackgroundColor: "#f9fafb", hostedPagePrimaryColor: "#0ea5e9" } },
  email: { content: { address: "sales@example.com", subject: "Hello", message: "Tell me more" }, payload: "mailto:sales@example.com?subject=Hello&body=Tell%20me%20more" },
  call: { content: { phoneNumber: "+1 555 0100" }, payload: "tel:+15550100" },
  sms: { content: { phoneNumber: "+15550100", message: "STOP" }, payload: "SMSTO:+15550100:STOP" },
  geo: { content: { latitude: 48.8584, longitude: 2.2945, query: "Eiffel Tower" }, payload: "geo:48.8584,2.2945?q=Eiffel%20Tower" },
  wifi: { content: { ssid: "Cafe;Guest", password: "p@ss:word", encryption: "WPA", hidden: false }, payload: "WIFI:T:WPA;S:Cafe\\;Guest;P:p@ss\\:word;;" },
  vcard: { content: { firstName: "Ada", lastName: "Lovelace", organisation: "Analytical Engines", tel: "+44 20 7946 0000", email: "ada@example.com", city: "London", country: "UK" } },
  links: { content: { links: [{ url: "https://example.com/a", name: "Site" }, { url: "https://example.com/b", name: "Shop", image: null }], name: "All my links" } },
  event: { content: { name: "Launch", startDate: "2026-12-10T18:00:00+00:00", endDate: "2026-12-10T21:00:00+00:00", location: "Paris", description: "Doors at six" } },
} as const;
