import { describe, expect, it } from "vitest";
import { call, seedOrg } from "./qr-support";

describe("a method a path does not answer is a 405 naming those it does", () => {
  it("the QR code resource answers in problem+json", async () => {
    const org = await seedOrg();
    const collection = await call("PATCH", "/qr_codes", { key: org.writeKey, body: { name: "x" }, headers: { "Content-Type": "application/merge-patch+json" } });
    expect(collection.status).toBe(405);
    expect(collection.headers.get("allow")).toBe("GET, HEAD, POST");
    expect(collection.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(collection.json).toEqual({
      "@context": "/contexts/Error",
      "@type": "Error",
      title: "An error occurred",
      detail: "PATCH is not allowed on /qr_codes; it answers GET, HEAD, POST",
      status: 405,
      type: "/errors/405",
    });
    const item = await call("POST", `/qr_codes/${"0".repeat(24)}`, { key: org.writeKey, body: {} });
    expect(item.status).toBe(405);
    expect(item.headers.get("allow")).toBe("GET, HEAD, PUT, PATCH, DELETE");
    const download = await call("DELETE", `/qr_codes/${"0".repeat(24)}/download`, { key: org.writeKey });
    expect(download.headers.get("allow")).toBe("GET, HEAD, POST");
    // Authentication still comes first: without a key it is the 401 of every other call.
    expect((await call("PATCH", "/qr_codes")).status).toBe(401);
  });

  it("other paths answer in their family's envelope", async () => {
    const health = await call("DELETE", "/health");
    expect(health.status).toBe(405);
    expect(health.headers.get("allow")).toBe("GET, HEAD");
    expect(health.json).toMatchObject({ error: { code: "METHOD_NOT_ALLOWED", message: "DELETE is not allowed on /health; it answers GET, HEAD" } });
  });

  it("a path nothing answers stays a 404, and a method that is answered never turns into a 405", async () => {
    const missing = await call("GET", "/no/such/path");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("allow")).toBeNull();
    expect((await call("GET", "/health")).status).toBe(200);
    expect((await call("HEAD", "/health")).status).toBe(200);
  });
});
