import { isoNow } from "../lib/time";

// Named SQL for WhatsApp channel phone numbers and message QR codes (CreatePhoneMessageQrdl).

export interface WhatsappPhoneNumber {
  phoneNumber: string;
  orgId: string;
  custSpaceId: string | null;
  createdAt: string;
}

interface PhoneRow {
  phone_number: string;
  org_id: string;
  cust_space_id: string | null;
  created_at: string;
}

const toPhone = (r: PhoneRow): WhatsappPhoneNumber => ({ phoneNumber: r.phone_number, orgId: r.org_id, custSpaceId: r.cust_space_id, createdAt: r.created_at });

export function insertPhoneNumberStatement(db: D1Database, orgId: string, phoneNumber: string, custSpaceId: string | null): D1PreparedStatement {
  return db
    .prepare("INSERT INTO whatsapp_phone_numbers (phone_number, org_id, cust_space_id, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING *")
    .bind(phoneNumber, orgId, custSpaceId, isoNow());
}

export function readPhoneNumber(result: D1Result): WhatsappPhoneNumber {
  const row = result.results[0] as PhoneRow | undefined;
  if (!row) throw new Error("The statement returned no row");
  return toPhone(row);
}

export async function insertPhoneNumber(db: D1Database, orgId: string, phoneNumber: string, custSpaceId: string | null): Promise<WhatsappPhoneNumber> {
  const row = await insertPhoneNumberStatement(db, orgId, phoneNumber, custSpaceId).first<PhoneRow>();
  if (!row) throw new Error("The statement returned no row");
  return toPhone(row);
}

export async function findPhoneNumber(db: D1Database, phoneNumber: string): Promise<WhatsappPhoneNumber | null> {
  const row = await db.prepare("SELECT * FROM whatsapp_phone_numbers WHERE phone_number = ?1").bind(phoneNumber).first<PhoneRow>();
  return row ? toPhone(row) : null;
}

export async function listPhoneNumbers(db: D1Database, orgId: string): Promise<WhatsappPhoneNumber[]> {
  const { results } = await db.prepare("SELECT * FROM whatsapp_phone_numbers WHERE org_id = ?1 ORDER BY created_at, phone_number").bind(orgId).all<PhoneRow>();
  return results.map(toPhone);
}

export async function deletePhoneNumber(db: D1Database, orgId: string, phoneNumber: string): Promise<boolean> {
  const row = await db.prepare("DELETE FROM whatsapp_phone_numbers WHERE org_id = ?1 AND phone_number = ?2 RETURNING phone_number").bind(orgId, phoneNumber).first();
  return row !== null;
}

// Message QR codes

export type QrImageFormat = "PNG" | "SVG";

export interface MessageQrdl {
  qrdlCode: string;
  orgId: string;
  codeId: string;
  phoneNumber: string;
  custSpaceId: string | null;
  imageFormat: QrImageFormat;
  message: string;
  deepLinkUrl: string;
  createdAt: string;
  updatedAt: string;
}

interface MessageQrdlRow {
  qrdl_code: string;
  org_id: string;
  code_id: string;
  phone_number: string;
  cust_space_id: string | null;
  image_format: QrImageFormat;
  message: string;
  deep_link_url: string;
  created_at: string;
  updated_at: string;
}

const toMessageQrdl = (r: MessageQrdlRow): MessageQrdl => ({
  qrdlCode: r.qrdl_code,
  orgId: r.org_id,
  codeId: r.code_id,
  phoneNumber: r.phone_number,
  custSpaceId: r.cust_space_id,
  imageFormat: r.image_format,
  message: r.message,
  deepLinkUrl: r.deep_link_url,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function insertMessageQrdlStatement(db: D1Database, record: MessageQrdl): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO message_qrdl (qrdl_code, org_id, code_id, phone_number, cust_space_id, image_format, message, deep_link_url, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
    )
    .bind(record.qrdlCode, record.orgId, record.codeId, record.phoneNumber, record.custSpaceId, record.imageFormat, record.message, record.deepLinkUrl, record.createdAt, record.updatedAt);
}

/**
 * Updates the message and format only when the code row carries the content this same batch just
 * wrote (`codeContent` at `codeVersion`): when the code's compare-and-set lost to a concurrent
 * writer, this changes nothing either.
 */
export function updateMessageQrdlStatement(
  db: D1Database,
  record: Pick<MessageQrdl, "qrdlCode" | "orgId" | "codeId" | "imageFormat" | "message" | "updatedAt">,
  codeVersion: number,
  codeContent: string,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE message_qrdl SET image_format = ?3, message = ?4, updated_at = ?5
       WHERE qrdl_code = ?1 AND org_id = ?2
         AND EXISTS (SELECT 1 FROM qr_codes WHERE id = ?6 AND version = ?7 AND content = ?8)
       RETURNING *`,
    )
    .bind(record.qrdlCode, record.orgId, record.imageFormat, record.message, record.updatedAt, record.codeId, codeVersion, codeContent);
}

export function deleteMessageQrdlStatement(db: D1Database, orgId: string, qrdlCode: string): D1PreparedStatement {
  return db.prepare("DELETE FROM message_qrdl WHERE qrdl_code = ?1 AND org_id = ?2").bind(qrdlCode, orgId);
}

export async function findMessageQrdl(db: D1Database, orgId: string, qrdlCode: string): Promise<MessageQrdl | null> {
  const row = await db.prepare("SELECT * FROM message_qrdl WHERE qrdl_code = ?1 AND org_id = ?2").bind(qrdlCode, orgId).first<MessageQrdlRow>();
  return row ? toMessageQrdl(row) : null;
}

/** Public lookup for the image route: the code alone, whoever owns it. */
/** Whether a QR code backs a message QR code (its deep link): those are changed through that API only. */
export async function isMessageQrdlCode(db: D1Database, codeId: string): Promise<boolean> {
  return (await db.prepare("SELECT 1 FROM message_qrdl WHERE code_id = ?1").bind(codeId).first()) !== null;
}

/** Which of these QR codes back a message QR code (isMessageQrdlCode for many: 100 ids a query, D1's bound-parameter limit). */
export async function findMessageQrdlCodeIds(db: D1Database, codeIds: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < codeIds.length; i += 100) {
    const chunk = codeIds.slice(i, i + 100);
    const { results } = await db
      .prepare(`SELECT code_id FROM message_qrdl WHERE code_id IN (${chunk.map((_, k) => `?${k + 1}`).join(", ")})`)
      .bind(...chunk)
      .all<{ code_id: string }>();
    for (const row of results) found.add(row.code_id);
  }
  return found;
}

/** For the public image (QrImageUrl): only a code of an active organization has one. */
export async function findMessageQrdlByCode(db: D1Database, qrdlCode: string): Promise<MessageQrdl | null> {
  const row = await db
    .prepare("SELECT m.* FROM message_qrdl AS m JOIN organizations AS o ON o.id = m.org_id AND o.status = 'active' WHERE m.qrdl_code = ?1")
    .bind(qrdlCode)
    .first<MessageQrdlRow>();
  return row ? toMessageQrdl(row) : null;
}

export async function listMessageQrdl(db: D1Database, orgId: string, phoneNumber: string, custSpaceId: string | null, limit: number): Promise<MessageQrdl[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM message_qrdl WHERE org_id = ?1 AND phone_number = ?2 AND (?3 IS NULL OR cust_space_id = ?3)
       ORDER BY created_at DESC, qrdl_code LIMIT ?4`,
    )
    .bind(orgId, phoneNumber, custSpaceId, limit)
    .all<MessageQrdlRow>();
  return results.map(toMessageQrdl);
}
