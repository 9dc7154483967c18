import { describe, expect, it } from "vitest";
import { signInAddressBucket } from "../../src/auth/address-bucket";

describe("signInAddressBucket: what one client is, for the per-address sign-in limit", () => {
  it("counts an IPv4 address as itself", () => {
    expect(signInAddressBucket("192.0.2.1")).toBe("192.0.2.1");
    expect(signInAddressBucket("192.0.2.2")).not.toBe(signInAddressBucket("192.0.2.1"));
  });

  it("counts every address of one IPv6 /64 as one client, whatever its spelling", () => {
    const bucket = signInAddressBucket("2001:db8:1:2::1");
    expect(bucket).toBe("2001:db8:1:2::/64");
    for (const same of ["2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:0DB8:0001:0002:0:0:0:abcd", "2001:db8:1:2:a:b:c:d", "2001:db8:1:2::192.0.2.7"]) expect(signInAddressBucket(same)).toBe(bucket);
    expect(signInAddressBucket("2001:db8:1:3::1")).not.toBe(bucket);
    expect(signInAddressBucket("::1")).toBe("0:0:0:0::/64");
  });

  it("reads IPv4-mapped IPv6 as the IPv4 address", () => {
    expect(signInAddressBucket("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(signInAddressBucket("::ffff:c000:201")).toBe("192.0.2.1");
  });

  it("keeps what it cannot read as given, and a missing address as one shared bucket", () => {
    expect(signInAddressBucket("not:an::address::x")).toBe("not:an::address::x");
    expect(signInAddressBucket("2001:db8::1::2")).toBe("2001:db8::1::2");
    expect(signInAddressBucket(undefined)).toBe("unknown");
  });
});
