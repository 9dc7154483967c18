import { z } from "zod";
import { FILE_ID_PATTERN } from "../lib/file-ids";
import { isHttpUrl } from "../lib/urls";

/**
 * The fields content types are made of (codes/catalog.ts). Every URL a visitor can be sent to is
 * http(s) only; references to uploads are 24-hex ids returned by POST /files, checked against the
 * organization's files when a code is saved.
 */

/**
 * Every string of every content type starts here. A lone surrogate (half of a UTF-16 pair, which
 * JSON's `\ud800` escape can carry) has no UTF-8 form: the payload, page, .vcf or .ics built from
 * it later would throw or quietly turn it into U+FFFD. Checked first and aborting, so the
 * violation names this rather than a format the text happens to miss.
 */
export const unicodeString = () => z.string().refine((value) => value.isWellFormed(), { message: "must be valid Unicode text (no lone surrogates)", abort: true });

export const text = (max: number) => unicodeString().max(max);
export const optionalText = (max: number) => text(max).nullable().optional();
export const requiredText = (max: number) => text(max).min(1);
export const hexColor = () =>
  unicodeString()
    .regex(/^#[0-9a-fA-F]{6}$/, "must be a 6-character hex colour such as #123abc")
    .nullable()
    .optional();
export const httpUrl = () => unicodeString().max(2048).refine(isHttpUrl, "must be an absolute http:// or https:// URL");
/** An uploaded file's id, or an http(s) URL. */
export const fileOrUrl = () =>
  unicodeString()
    .max(2048)
    .refine((value) => FILE_ID_PATTERN.test(value) || isHttpUrl(value), "must be the id of an uploaded file or an absolute http(s) URL");
export const uploadId = () => unicodeString().regex(FILE_ID_PATTERN, "must be the id of a file uploaded with POST /files");
/** E.164-like: an optional +, 3 to 15 digits, and the separators people type. */
export const phoneNumber = () =>
  unicodeString()
    .max(40)
    .refine((value) => /^\+?[0-9 ()\-.]+$/.test(value.trim()) && /^\d{3,15}$/.test(value.replace(/\D/g, "")), "must be a phone number of 3 to 15 digits, optionally starting with +");
export const emailAddress = () => unicodeString().pipe(z.email("must be an email address").max(320));
export const latitude = () => z.number().finite().min(-90).max(90);
export const longitude = () => z.number().finite().min(-180).max(180);

export const hostedPageFields = {
  hostedPageBackgroundColor: hexColor(),
  hostedPagePrimaryColor: hexColor(),
  publicFilePath: fileOrUrl().nullable().optional(),
};

export const isoDateTime = () => unicodeString().pipe(z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time such as 2026-05-10T18:00:00+00:00" }));
