import { describe, expect, it } from "vitest";
import { ACCESS_KEY_ID_PATTERN, decryptSecret, EncryptionKeyError, importSecretKey, mintAccessKey } from "../../src/auth/access-keys";

describe("mintAccessKey", () => {
  it("hands the secret back once in the clear and stores it sealed under the AccessKey ID", async () => {
    const ring = { current: await importSecretKey("k".repeat(32)), previous: null };
    const minted = await mintAccessKey(ring, { name: "sdk", actions: ["cams:ListPhoneMessageQrdl"] });
    expect(minted.id).toMatch(ACCESS_KEY_ID_PATTERN);
    expect(minted.row).toMatchObject({ id: minted.id, name: "sdk", actions: ["cams:ListPhoneMessageQrdl"], secretPrefix: `${minted.secret.slice(0, 4)}…` });
    expect(minted.row.secretCiphertext).not.toContain(minted.secret);
    expect(await decryptSecret(ring, minted.id, minted.row.secretCiphertext)).toBe(minted.secret);
    // The ID is the sealed secret's additional data: copied onto another key's row, it does not open.
    await expect(decryptSecret(ring, "EQAK00000000000000000000", minted.row.secretCiphertext)).rejects.toBeInstanceOf(EncryptionKeyError);
  });

  it("mints a different pair every time", async () => {
    const ring = { current: await importSecretKey("k".repeat(32)), previous: null };
    const [a, b] = await Promise.all([mintAccessKey(ring, { name: "a", actions: [] }), mintAccessKey(ring, { name: "b", actions: [] })]);
    expect(a.id).not.toBe(b.id);
    expect(a.secret).not.toBe(b.secret);
  });
});
