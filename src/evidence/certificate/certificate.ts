import { AppError } from "../../domain/errors.ts";
import {
  boundWhitespace,
  type DocumentText,
  type EvidenceFinding,
  type Extracted,
  extractedAt,
  firstMatch,
  type JoinedText,
  joinPages,
  squeeze,
} from "../pdf/document-text.ts";
import { addDays, DATE_SOURCE, daysBetween, isIsoDate, parseDateText } from "../pdf/text-dates.ts";

export const CERTIFIED_STANDARDS = [
  "iso27001",
  "iso42001",
  "iso27701",
  "iso27017",
  "iso27018",
  "iso9001",
  "other",
] as const;
export type CertifiedStandard = (typeof CERTIFIED_STANDARDS)[number];

/** What an ISO management-system certificate states; each fact with page and quote. */
export interface CertificateFacts {
  standard: Extracted<CertifiedStandard> | null;
  /** The standard as written, for example "ISO/IEC 27001:2022". */
  standardText: Extracted<string> | null;
  certificateNumber: Extracted<string> | null;
  issuer: Extracted<string> | null;
  organization: Extracted<string> | null;
  scope: Extracted<string> | null;
  issueDate: Extracted<string> | null;
  validUntil: Extracted<string> | null;
}

export interface CertificateAnalysis {
  asOf: string;
  certificate: CertificateFacts;
  /** Days from `asOf` until expiry (negative once expired); null when no expiry was found. */
  daysUntilExpiry: number | null;
  /** The day to start renewal follow-up: 60 days before expiry. */
  reminderDate: string | null;
  findings: EvidenceFinding[];
}

/** Days before expiry when a certificate is reported as expiring and a reminder is due. */
export const CERTIFICATE_REMINDER_DAYS = 60;
const MAX_CERTIFICATE_CHARS = 2_000_000;
const DATE_RE = `(${DATE_SOURCE})`;
const SCOPE_LABEL = /(^|\n)?[ \t]*\bScope(?:\s+of\s+(?:certification|registration))?\s*[:.]?[ \t]*\n?/gi;
const SCOPE_END = /\n\s*\n|\n\s*(?:Certificate|Issue|Valid|Original|Expir|Date)\b/i;

function standardOf(number: string): CertifiedStandard {
  const known: Record<string, CertifiedStandard> = {
    "27001": "iso27001",
    "42001": "iso42001",
    "27701": "iso27701",
    "27017": "iso27017",
    "27018": "iso27018",
    "9001": "iso9001",
  };
  return known[number] ?? "other";
}

function dateAfter(joined: JoinedText, labels: string): Extracted<string> | null {
  const m = firstMatch(joined.text, new RegExp(`\\b(?:${labels})\\s*(?:on\\s*)?[:.]?\\s*${DATE_RE}`, "i"));
  const value = m?.[1] ? parseDateText(m[1]) : null;
  return m && value ? extractedAt(joined, value, m.index, m.index + m[0].length) : null;
}

function labelled(
  joined: JoinedText,
  pattern: RegExp,
  clean: (s: string) => string = (s) => s.trim(),
): Extracted<string> | null {
  const m = firstMatch(joined.text, pattern);
  const value = m?.[1] ? clean(m[1]) : "";
  return m && value.length > 0 ? extractedAt(joined, value, m.index, m.index + m[0].length) : null;
}

/**
 * The certified scope: the text after a "Scope" label up to a blank line or the next labelled
 * field. A label at the start of a line wins over one inside a sentence ("for the following
 * scope:"). Each label is looked at once, in a bounded window, so hostile text stays linear.
 */
function findScope(joined: JoinedText): Extracted<string> | null {
  let inline: Extracted<string> | null = null;
  let tries = 0;
  for (const m of joined.text.matchAll(SCOPE_LABEL)) {
    if (++tries > 50) break;
    const bodyStart = m.index + m[0].length;
    const window = joined.text.slice(bodyStart, bodyStart + 1_500);
    const stop = SCOPE_END.exec(window);
    const value = squeeze(window.slice(0, stop ? stop.index : window.length));
    if (value.length < 10) continue;
    const fact = extractedAt(joined, value, m.index, bodyStart + value.length);
    if (m[1] !== undefined || m.index === 0) return fact;
    inline ??= fact;
  }
  return inline;
}

/**
 * Reads an ISO/IEC 27001 or 42001 certificate (or another ISO management-system certificate):
 * the standard, certificate number, certification body, certified organisation, scope, issue
 * date and expiry. Labels vary by certification body, so each field accepts the usual wordings.
 */
export function parseCertificate(doc: DocumentText): CertificateFacts {
  const joined = joinPages(boundWhitespace(doc));
  if (joined.text.length > MAX_CERTIFICATE_CHARS) {
    throw new AppError(
      "INPUT_TOO_LARGE",
      `The certificate text is longer than ${MAX_CERTIFICATE_CHARS} characters.`,
    );
  }
  const text = joined.text;
  const std = firstMatch(
    text,
    /\bISO(?:\s*\/\s*IEC)?\s*(27001|42001|27701|27017|27018|9001)(?:\s*:\s*(\d{4}))?/i,
  );
  const standard = std?.[1]
    ? extractedAt(joined, standardOf(std[1]), std.index, std.index + std[0].length)
    : null;
  const standardText = std
    ? extractedAt(joined, squeeze(std[0]), std.index, std.index + std[0].length)
    : null;
  const issueDate =
    dateAfter(
      joined,
      "Issue\\s+date|Date\\s+of\\s+(?:issue|certification)|Issued(?:\\s+on)?|Certification\\s+date|Effective\\s+date|Valid\\s+from",
    ) ?? dateAfter(joined, "Original\\s+(?:certification|registration|approval)\\s+date");
  let validUntil = dateAfter(
    joined,
    "Valid\\s+until|Valid\\s+through|Expiry\\s+date|Expiration\\s+date|Date\\s+of\\s+expiry|Expires(?:\\s+on)?|Certificate\\s+expiry|valid\\s+to",
  );
  if (validUntil === null) {
    const range = firstMatch(
      text,
      new RegExp(
        `\\bValid(?:ity)?\\s*(?:period)?\\s*[:.]?\\s*(?:from\\s+)?${DATE_RE}\\s*(?:to|until|through|[-–—])\\s*${DATE_RE}`,
        "i",
      ),
    );
    const value = range?.[2] ? parseDateText(range[2]) : null;
    if (range && value) validUntil = extractedAt(joined, value, range.index, range.index + range[0].length);
  }
  return {
    standard,
    standardText,
    certificateNumber: labelled(
      joined,
      /\b(?:Certificate|Registration|Cert\.)\s*(?:No\.?|Number|#|ID|Reference)\s*[:.]?\s*([A-Z0-9][A-Z0-9 /._-]{1,40}?)(?=\s*(?:\n|$|Issue|Valid|Original|Date))/i,
    ),
    issuer: labelled(
      joined,
      /\b(?:Certification\s+body|Certifying\s+body|Issued\s+by|Registrar|Certified\s+by|on\s+behalf\s+of)\s*[:.]?\s*([^\n]{2,100})/i,
      (s) => s.trim().replace(/[,;:]+$/, ""),
    ),
    organization: labelled(
      joined,
      /\bcertify\s+that\s+(?:the\s+(?:information\s+security\s+|AI\s+)?management\s+system\s+(?:of|operated\s+by)\s+)?([^\n]{2,120})/i,
      (s) => s.trim().replace(/[,;:]+$/, ""),
    ),
    scope: findScope(joined),
    issueDate,
    validUntil,
  };
}

/**
 * Decides a certificate's findings on `asOf`: expired (past valid-until), expiring within 60
 * days (with the reminder date 60 days before expiry), no expiry found, and a standard other than
 * ISO/IEC 27001 or 42001 when one of those was expected.
 */
export function analyzeCertificate(doc: DocumentText, options: { asOf?: string } = {}): CertificateAnalysis {
  const asOf =
    options.asOf !== undefined && isIsoDate(options.asOf)
      ? options.asOf
      : new Date().toISOString().slice(0, 10);
  const certificate = parseCertificate(doc);
  const findings: EvidenceFinding[] = [];
  const until = certificate.validUntil;
  let daysUntilExpiry: number | null = null;
  let reminderDate: string | null = null;
  if (certificate.standard === null) {
    findings.push({
      rule: "certificate.standard_not_found",
      severity: "medium",
      title: "No ISO standard named",
      detail: "The document names no ISO management-system standard; check that it is a certificate.",
    });
  } else if (certificate.standard.value !== "iso27001" && certificate.standard.value !== "iso42001") {
    findings.push({
      rule: "certificate.other_standard",
      severity: "info",
      title: `Certificate for ${certificate.standardText?.value ?? "another standard"}`,
      detail: "Not an ISO/IEC 27001 or 42001 certificate; it does not replace either.",
      page: certificate.standard.page,
      quote: certificate.standard.quote,
    });
  }
  if (until === null) {
    findings.push({
      rule: "certificate.expiry_not_found",
      severity: "medium",
      title: "No expiry date found",
      detail:
        "The certificate's valid-until date could not be read; enter it by hand so that expiry is tracked.",
    });
  } else {
    daysUntilExpiry = daysBetween(asOf, until.value);
    reminderDate = addDays(until.value, -CERTIFICATE_REMINDER_DAYS);
    if (daysUntilExpiry < 0) {
      findings.push({
        rule: "certificate.expired",
        severity: "high",
        title: "Certificate expired",
        detail: `The certificate expired on ${until.value}, ${-daysUntilExpiry} days before ${asOf}.`,
        page: until.page,
        quote: until.quote,
      });
    } else if (daysUntilExpiry <= CERTIFICATE_REMINDER_DAYS) {
      findings.push({
        rule: "certificate.expiring",
        severity: "medium",
        title: "Certificate expires within 60 days",
        detail: `The certificate expires on ${until.value}, in ${daysUntilExpiry} days; ask for the renewed certificate.`,
        page: until.page,
        quote: until.quote,
      });
    }
  }
  return { asOf, certificate, daysUntilExpiry, reminderDate, findings };
}
