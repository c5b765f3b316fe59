/**
 * Content classifier for AI request text: finds personal, payment, credential and health data and
 * reports kinds, counts, data classes and confidences, never the text. Built to scan hundreds of
 * megabytes a second: every detector sits behind a cheap gate (a character or keyword that must be
 * present), and candidates found by one pass over digit runs are validated by checksum or library
 * (Luhn and IIN ranges, ibantools mod-97, libphonenumber, node:net) rather than by regex alone.
 */
import { isIPv4, isIPv6 } from "node:net";
import { electronicFormatIBAN, getCountrySpecifications, isValidIBAN } from "ibantools";
import type { CountryCode } from "libphonenumber-js/max";
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { AppError } from "../../domain/errors.ts";
import type { DataClass, Detection, DetectionKind } from "./types.ts";
import { DATA_CLASS_OF_KIND } from "./types.ts";

/** A customer-defined detector: a regex whose matches count as data of the given class. */
export interface CustomPattern {
  name: string;
  pattern: string;
  flags?: string;
  dataClass: DataClass;
  confidence: number;
}

export interface ClassifierOptions {
  customPatterns?: readonly CustomPattern[];
  /** Opt-in: keep up to three short excerpts per rule with the match masked. Off by default. */
  excerpts?: boolean;
  /** Detections below this confidence are dropped (default 0.5). */
  minConfidence?: number;
  /** Country assumed for phone numbers written without a +country code (default US). */
  defaultPhoneCountry?: CountryCode;
}

export type Classifier = (text: string) => Detection[];

interface Hit {
  kind: DetectionKind;
  dataClass: DataClass;
  rule: string;
  count: number;
  confidence: number;
  excerpts: string[] | undefined;
}

const EXCERPT_CONTEXT = 16;
const MAX_EXCERPTS = 3;

/** Luhn checksum over a string of digits (ISO/IEC 7812-1 Annex B). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** True when the number starts with an issuer range of a major card network and has a length it issues. */
export function cardIssuerKnown(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if (digits[0] === "4") return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925)) {
    return n >= 16 && n <= 19; // Discover
  }
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14 && n <= 19; // Diners
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return n >= 12 && n <= 19; // Maestro
  return false;
}

/** Card numbers that card networks and processors publish for testing: never a real card. */
const TEST_CARD_NUMBERS = new Set([
  "4242424242424242",
  "4111111111111111",
  "4000056655665556",
  "4012888888881881",
  "5555555555554444",
  "5105105105105100",
  "2223003122003222",
  "378282246310005",
  "371449635398431",
  "6011111111111117",
  "6011000990139424",
  "3056930009020004",
  "3566002020360505",
]);

/** US SSN structure rules (SSA): area not 000, 666 or 900-999; group not 00; serial not 0000. */
export function ssnValid(digits: string): boolean {
  if (digits.length !== 9) return false;
  const area = Number(digits.slice(0, 3));
  const group = digits.slice(3, 5);
  const serial = digits.slice(5);
  if (area === 0 || area === 666 || area >= 900) return false;
  if (group === "00" || serial === "0000") return false;
  // Sequences the SSA never issued and that are typical test values.
  if (digits === "123456789" || digits === "078051120") return false;
  return true;
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

const IBAN_LENGTHS = new Map<string, number>();
for (const [country, spec] of Object.entries(getCountrySpecifications())) {
  if (spec.chars) IBAN_LENGTHS.set(country, spec.chars);
}

// Candidates: digit runs that may hold separators; the parts are classified after the match.
const NUMBER_RUN = /\+?\(?\d[\d ().-]{5,}\d\)?/g;
const HAS_DIGIT = /\d/;
const SSN_SHAPE = /^\d{3}([- ])\d{2}\1\d{4}$/;
const CARD_SHAPE = /^\d{4}([- ]?)\d{4}\1\d{4}\1\d{1,7}$|^\d{4}([- ]?)\d{6}\2\d{4,5}$/;
const DATE_SHAPE = /^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/;
const NON_PUBLIC_IPV4 =
  /^(?:10\.|127\.|0\.|169\.254\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|192\.0\.2\.|198\.51\.100\.|203\.0\.113\.|22[4-9]\.|2[3-5]\d\.)/;
const IPV4_SHAPE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const PHONE_SHAPE =
  /^(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,5}){1,4}|\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4})$/;
const PHONE_CONTEXT = /\b(?:phone|tel|telephone|call|mobile|cell|fax|contact|reach|whatsapp|sms)\b/i;
const CARD_CONTEXT =
  /\b(?:card|credit|debit|visa|mastercard|amex|american express|discover|pan|cc|payment|charge|cvv|expiry)\b/i;
const SSN_CONTEXT = /\b(?:ssn|social security|ss#|tax ?id|tin)\b/i;
const VERSION_BEFORE = /(?:\bv|version|release|build|ver\.?)\s*$/i;

const IBAN_RUN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/gi;
const HEX_GROUP = /^[0-9a-fA-F]{0,4}$/;
const IPV6_RUN = /(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%\w+)?/g;

/**
 * Keywords that gate the health, generic-secret and vendor-key detectors, matched without regard to
 * case (no lower-cased copy of every prompt). GATE_ANY is the same word list as a trie: irregexp
 * scans a trie far faster than a flat alternation, and it runs on every prompt; the three family
 * regexes run only on the few prompts it lets through.
 */
const GATE_ANY =
  /(?:p(?:atient|rescri|assw|assphrase|wd|rivate key)|d(?:iagnos|ate of birth|ob|ischarge)|m(?:rn|edical record)|a(?:dmitted|uth|kia|sia|iza)|s(?:ymptom|ecret|k[-_])|t(?:reated for|oken)|icd|c(?:linical note|redential)|key|bearer|rk_|g(?:h[pousr]_|ithub_pat_)|xox[abposr]-|eyj|-----begin)/i;
const HEALTH_WORDS =
  /patient|diagnos|prescri|mrn|medical record|date of birth|dob|admitted|discharge|symptom|treated for|icd|clinical note/i;
const SECRET_WORDS = /key|secret|token|passw|passphrase|pwd|bearer|credential|auth/i;
const KEY_WORDS = /[sr]k[-_]|akia|asia|gh[pousr]_|github_pat_|xox[abposr]-|aiza|eyj|-----begin|private key/i;
/**
 * Vendor key formats (after the public gitleaks and secretlint rule sets). They are applied to
 * candidate tokens, not to the whole text: each rule is sticky at a token offset, so a hostile run
 * of repeated prefixes costs linear time instead of a scan from every prefix.
 */
const KEY_RULES: ReadonlyArray<{ rule: string; kind: DetectionKind; re: RegExp; confidence: number }> = [
  {
    rule: "anthropic_api_key",
    kind: "api_key",
    re: /sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,}/y,
    confidence: 0.99,
  },
  {
    rule: "openai_project_key",
    kind: "api_key",
    re: /sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}/y,
    confidence: 0.97,
  },
  {
    rule: "openai_api_key",
    kind: "api_key",
    re: /sk-(?!ant-|proj-|svcacct-|admin-)[A-Za-z0-9]{32,}(?![A-Za-z0-9_-])/y,
    confidence: 0.9,
  },
  {
    rule: "stripe_secret_key",
    kind: "api_key",
    re: /[rs]k_live_[A-Za-z0-9]{24,}(?![A-Za-z0-9_-])/y,
    confidence: 0.97,
  },
  {
    rule: "aws_access_key_id",
    kind: "api_key",
    re: /(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9_-])/y,
    confidence: 0.95,
  },
  {
    rule: "github_token",
    kind: "api_key",
    re: /gh[pousr]_[A-Za-z0-9]{36,}(?![A-Za-z0-9_-])/y,
    confidence: 0.97,
  },
  {
    rule: "github_fine_grained_pat",
    kind: "api_key",
    re: /github_pat_[A-Za-z0-9_]{82}(?![A-Za-z0-9_-])/y,
    confidence: 0.99,
  },
  { rule: "slack_token", kind: "api_key", re: /xox[abposr]-(?:\d+-)+[A-Za-z0-9-]{10,}/y, confidence: 0.95 },
  {
    rule: "google_api_key",
    kind: "api_key",
    re: /AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/y,
    confidence: 0.95,
  },
  {
    rule: "jwt",
    kind: "jwt",
    re: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/y,
    confidence: 0.9,
  },
];
/** Where a key may start inside a token; each is tried with the sticky rules above. */
const KEY_STARTS = [
  "sk-",
  "sk_live_",
  "rk_live_",
  "AKIA",
  "ASIA",
  "ghp_",
  "gho_",
  "ghu_",
  "ghs_",
  "ghr_",
  "github_pat_",
  "xox",
  "AIza",
  "eyJ",
];
const KEY_TOKEN = /[A-Za-z0-9_.+/-]{16,}/g;
const MAX_KEY_TOKEN = 8192;
const MAX_STARTS_PER_TOKEN = 8;
const PRIVATE_KEY_BLOCK =
  /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/g;

// gitleaks-style generic secret: a keyword, an assignment, then a long token of high entropy.
const SECRET_ASSIGNMENT =
  /\b(?:api[_-]?key|apikey|key|secret|client[_-]?secret|access[_-]?token|auth[_-]?token|token|bearer|credentials?)["']?(?:\s*[:=]\s*|\s+(?:(?:is|was)\s+)?)["']?([A-Za-z0-9+/_=.-]{20,})/gi;
const PASSWORD_ASSIGNMENT = /\b(?:password|passwd|pwd|passphrase)["']?\s*[:=]\s*["']?([^\s"',;]{6,})/gi;
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_ONLY = /^[0-9a-f]+$/i;

const PHI_CONTEXT =
  /\b(?:patient|patients|diagnos(?:is|es|ed|e)|prescri\w*|mrn|medical record|date of birth|dob|admitted|discharged?|symptoms?|treated for|icd(?:-?10)?|clinical note)\b/i;
const MRN = /\b(?:MRN|medical record(?: number| no\.?| #)?)\s*(?:[:#]\s*)?[A-Z]{0,3}-?\d{6,10}\b/gi;
const ICD_CONTEXT = /\b(?:icd(?:-?10)?(?:-cm)?|diagnos(?:is|es|ed|e)|dx)\b/i;
const ICD10 = /\b[A-TV-Z]\d[0-9AB](?:\.[0-9A-TV-Z]{1,4})?\b/g;
const MEDICAL_TERMS = new RegExp(
  `\\b(?:${[
    "diabetes",
    "hypertension",
    "asthma",
    "cancer",
    "carcinoma",
    "leukemia",
    "lymphoma",
    "melanoma",
    "hiv",
    "aids",
    "hepatitis [abc]",
    "major depressive disorder",
    "depression",
    "schizophrenia",
    "bipolar disorder",
    "dementia",
    "alzheimer'?s",
    "parkinson'?s",
    "epilepsy",
    "copd",
    "pneumonia",
    "tuberculosis",
    "myocardial infarction",
    "heart failure",
    "atrial fibrillation",
    "anemia",
    "sepsis",
    "rheumatoid arthritis",
    "multiple sclerosis",
    "crohn'?s disease",
    "ptsd",
    "metformin",
    "insulin",
    "lisinopril",
    "atorvastatin",
    "simvastatin",
    "amlodipine",
    "metoprolol",
    "losartan",
    "omeprazole",
    "levothyroxine",
    "albuterol",
    "gabapentin",
    "sertraline",
    "fluoxetine",
    "escitalopram",
    "warfarin",
    "apixaban",
    "prednisone",
    "amoxicillin",
    "azithromycin",
    "oxycodone",
    "hydrocodone",
    "methotrexate",
    "adalimumab",
    "semaglutide",
    "tamoxifen",
    "clopidogrel",
    "chemotherapy",
    "dialysis",
  ].join("|")})\\b`,
  "gi",
);

function excerptOf(text: string, start: number, end: number, kind: string): string {
  const before = text.slice(Math.max(0, start - EXCERPT_CONTEXT), start).replace(/\d/g, "#");
  const after = text.slice(end, end + EXCERPT_CONTEXT).replace(/\d/g, "#");
  return `${before}[${kind}]${after}`.replace(/\s+/g, " ");
}

function compileCustom(patterns: readonly CustomPattern[]): Array<CustomPattern & { re: RegExp }> {
  return patterns.map((p) => {
    if (!(p.confidence >= 0 && p.confidence <= 1)) {
      throw new AppError(
        "VALIDATION_FAILED",
        `custom pattern "${p.name}": confidence must be between 0 and 1`,
        {
          details: { pattern: p.name },
        },
      );
    }
    const flags = `${(p.flags ?? "").replace(/[gy]/g, "")}g`;
    let re: RegExp;
    try {
      re = new RegExp(p.pattern, flags);
    } catch (error) {
      throw new AppError("VALIDATION_FAILED", `custom pattern "${p.name}": not a valid regular expression`, {
        details: { pattern: p.name },
        cause: error,
      });
    }
    if (re.test("")) {
      throw new AppError("VALIDATION_FAILED", `custom pattern "${p.name}" matches the empty string`, {
        details: { pattern: p.name },
      });
    }
    re.lastIndex = 0;
    return { ...p, re };
  });
}

/**
 * Builds a classifier: a function from request text to the detections in it. Each detection names a
 * kind, the data class it is evidence of, how many matches were found and a confidence in 0..1.
 */
export function createClassifier(options: ClassifierOptions = {}): Classifier {
  const minConfidence = options.minConfidence ?? 0.5;
  const wantExcerpts = options.excerpts === true;
  const custom = compileCustom(options.customPatterns ?? []);
  const phoneCountry: CountryCode = options.defaultPhoneCountry ?? "US";

  return (text: string): Detection[] => {
    const hits = new Map<string, Hit>();
    const add = (
      kind: DetectionKind,
      rule: string,
      confidence: number,
      start: number,
      end: number,
      dataClass?: DataClass,
    ) => {
      if (confidence < minConfidence) return;
      const key = kind === "custom" ? `custom:${rule}` : rule;
      let hit = hits.get(key);
      if (hit === undefined) {
        hit = {
          kind,
          rule,
          dataClass: dataClass ?? (kind === "custom" ? "confidential" : DATA_CLASS_OF_KIND[kind]),
          count: 0,
          confidence,
          excerpts: wantExcerpts ? [] : undefined,
        };
        hits.set(key, hit);
      }
      hit.count++;
      if (confidence > hit.confidence) hit.confidence = confidence;
      if (hit.excerpts && hit.excerpts.length < MAX_EXCERPTS)
        hit.excerpts.push(excerptOf(text, start, end, kind));
    };

    if (text.indexOf("@") !== -1) scanEmails(text, add);
    if (text.indexOf(" dot ") !== -1) scanSpelledEmails(text, add);
    const hasDigit = HAS_DIGIT.test(text);
    if (hasDigit) {
      // IBANs first: their digit groups must not be read again as card or phone numbers.
      const ibanSpans = scanIbans(text, add);
      scanNumbers(text, add, phoneCountry, ibanSpans);
    }
    if (hasDigit && mayHoldIpv6(text)) {
      scanIpv6(text, add);
    }
    let health = false;
    let secretWords = false;
    let keyPrefix = false;
    if (GATE_ANY.test(text)) {
      health = HEALTH_WORDS.test(text);
      secretWords = SECRET_WORDS.test(text);
      keyPrefix = KEY_WORDS.test(text);
    }
    if (keyPrefix || secretWords) scanCredentials(text, add, keyPrefix, secretWords);
    if (health && PHI_CONTEXT.test(text)) scanHealth(text, add);
    for (const p of custom) {
      p.re.lastIndex = 0;
      for (let m = p.re.exec(text); m !== null; m = p.re.exec(text)) {
        if (m[0].length === 0) {
          p.re.lastIndex++;
          continue;
        }
        add("custom", p.name, p.confidence, m.index, m.index + m[0].length, p.dataClass);
      }
    }

    const out: Detection[] = [];
    for (const hit of hits.values()) {
      const detection: Detection = {
        kind: hit.kind,
        dataClass: hit.dataClass,
        count: hit.count,
        confidence: Math.round(hit.confidence * 100) / 100,
        rule: hit.rule,
      };
      if (hit.excerpts) detection.excerpts = hit.excerpts;
      out.push(detection);
    }
    return out;
  };
}

type Add = (kind: DetectionKind, rule: string, confidence: number, start: number, end: number) => void;

const LOCAL_CHAR = /[A-Za-z0-9._%+-]/;
const DOMAIN_CHAR = /[A-Za-z0-9.-]/;
const NOT_A_TLD = new Set(["png", "jpg", "jpeg", "gif", "svg", "webp", "js", "ts", "css", "py", "md"]);

/** Emails found by expanding around each "@", so the scan stays linear in the text length. */
function scanEmails(text: string, add: Add): void {
  let at = text.indexOf("@");
  while (at !== -1) {
    let start = at;
    while (start > 0 && at - start < 64 && LOCAL_CHAR.test(text.charAt(start - 1))) start--;
    let end = at + 1;
    while (end < text.length && end - at < 255 && DOMAIN_CHAR.test(text.charAt(end))) end++;
    while (end > at + 1 && (text[end - 1] === "." || text[end - 1] === "-")) end--;
    const local = text.slice(start, at);
    const domain = text.slice(at + 1, end);
    const lastDot = domain.lastIndexOf(".");
    const tld = domain.slice(lastDot + 1).toLowerCase();
    if (
      local.length > 0 &&
      !local.startsWith(".") &&
      lastDot > 0 &&
      /^[a-z]{2,24}$/.test(tld) &&
      !NOT_A_TLD.has(tld) &&
      !domain.includes("..")
    ) {
      add("email", "email", 0.95, start, end);
    }
    at = text.indexOf("@", Math.max(end, at + 1));
  }
}

const SPELLED_EMAIL =
  /\b[A-Za-z0-9._%+-]{1,64}\s+(?:at|\(at\)|\[at\])\s+[A-Za-z0-9-]{1,63}(?:\s+dot\s+[A-Za-z0-9-]{1,63}){0,3}\s+dot\s+(?:com|org|net|edu|gov|io|co|de|uk|fr|nl|eu|info|biz)\b/gi;

/** Addresses spelled out to dodge scrapers: "jane at example dot com". */
function scanSpelledEmails(text: string, add: Add): void {
  SPELLED_EMAIL.lastIndex = 0;
  for (let m = SPELLED_EMAIL.exec(text); m !== null; m = SPELLED_EMAIL.exec(text)) {
    add("email", "email_spelled_out", 0.7, m.index, m.index + m[0].length);
  }
}

function scanNumbers(
  text: string,
  add: Add,
  country: CountryCode,
  skip: ReadonlyArray<[number, number]>,
): void {
  let phoneContext: boolean | undefined;
  let ssnContext: boolean | undefined;
  NUMBER_RUN.lastIndex = 0;
  for (let m = NUMBER_RUN.exec(text); m !== null; m = NUMBER_RUN.exec(text)) {
    let raw = m[0];
    let start = m.index;
    // A run may be closed by ")" or open with "(" that belongs to the prose, not the number.
    if (raw.endsWith(")") && !raw.includes("(")) raw = raw.slice(0, -1);
    if (raw.startsWith("(") && !raw.includes(")")) {
      raw = raw.slice(1);
      start++;
    }
    raw = raw.trim();
    const end = start + raw.length;
    if (skip.length > 0 && skip.some(([s, e]) => start < e && end > s)) continue;
    // Part of a longer alphanumeric token (hash, id, version tag): not a number of interest.
    const prev = start > 0 ? text.charAt(start - 1) : " ";
    const next = end < text.length ? text.charAt(end) : " ";
    if (/[A-Za-z0-9_/]/.test(prev) || /[A-Za-z0-9_/]/.test(next)) continue;
    const digits = raw.replace(/\D/g, "");

    if (SSN_SHAPE.test(raw)) {
      if (ssnValid(digits)) add("us_ssn", "us_ssn", 0.85, start, end);
      continue;
    }
    if (IPV4_SHAPE.test(raw)) {
      if (isIPv4(raw) && !VERSION_BEFORE.test(text.slice(Math.max(0, start - 12), start))) {
        // Private, loopback, link-local and documentation ranges name no person: below the default threshold.
        add("ip_address", "ipv4", NON_PUBLIC_IPV4.test(raw) ? 0.4 : 0.8, start, end);
      }
      continue;
    }
    if (DATE_SHAPE.test(raw)) continue;
    if (!raw.startsWith("+") && digits.length >= 12 && digits.length <= 19) {
      const grouped = CARD_SHAPE.test(raw) && /\D/.test(raw);
      if (grouped || /^\d+$/.test(raw)) {
        if (luhnValid(digits) && cardIssuerKnown(digits) && !TEST_CARD_NUMBERS.has(digits)) {
          // One random 16-digit number in ten passes Luhn: bare digits need card words just before.
          const near = grouped || CARD_CONTEXT.test(text.slice(Math.max(0, start - 40), start));
          add("payment_card", "payment_card", grouped ? 0.95 : near ? 0.9 : 0.45, start, end);
        }
        continue;
      }
    }
    if (digits.length === 9 && /^\d{9}$/.test(raw)) {
      ssnContext ??= SSN_CONTEXT.test(text);
      if (ssnContext && ssnValid(digits)) {
        add("us_ssn", "us_ssn", 0.7, start, end);
        continue;
      }
    }
    if (digits.length >= 7 && digits.length <= 15) {
      const shaped = PHONE_SHAPE.test(raw);
      phoneContext ??= PHONE_CONTEXT.test(text);
      if (!shaped && !phoneContext) continue;
      const phone = parsePhoneNumberFromString(raw, country);
      // NANP 555-0100..0199 is reserved for fiction and examples.
      const fictional = phone?.countryCallingCode === "1" && /^\d{3}55501\d{2}$/.test(phone.nationalNumber);
      if (phone?.isValid() && !fictional) {
        add("phone", "phone", shaped ? (phoneContext ? 0.9 : 0.75) : 0.6, start, end);
      }
    }
  }
}

function scanIbans(text: string, add: Add): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  IBAN_RUN.lastIndex = 0;
  for (let m = IBAN_RUN.exec(text); m !== null; m = IBAN_RUN.exec(text)) {
    spans.push([m.index, m.index + m[0].length]);
    const compact = electronicFormatIBAN(m[0].toUpperCase()) ?? "";
    const length = IBAN_LENGTHS.get(compact.slice(0, 2));
    if (length === undefined || compact.length < length) continue;
    if (isValidIBAN(compact.slice(0, length))) add("iban", "iban", 0.95, m.index, m.index + m[0].length);
  }
  return spans;
}

/** True when two colons are at most five characters apart with only hex digits between them. */
function mayHoldIpv6(text: string): boolean {
  let i = text.indexOf(":");
  while (i !== -1) {
    const j = text.indexOf(":", i + 1);
    if (j === -1) return false;
    if (j - i <= 5 && HEX_GROUP.test(text.slice(i + 1, j))) return true;
    i = j;
  }
  return false;
}

function scanIpv6(text: string, add: Add): void {
  IPV6_RUN.lastIndex = 0;
  for (let m = IPV6_RUN.exec(text); m !== null; m = IPV6_RUN.exec(text)) {
    const candidate = m[0];
    if (candidate.length < 3 || !isIPv6(candidate.replace(/%\w+$/, ""))) continue;
    // "::" alone or timestamps like 12:30:45 are not addresses.
    if (!/[0-9a-f]/i.test(candidate) || /^\d{1,2}:\d{2}(?::\d{2})?$/.test(candidate)) continue;
    add("ip_address", "ipv6", 0.8, m.index, m.index + candidate.length);
  }
}

/** Vendor keys, JWTs and private-key headers; every match's span is pushed to `spans`. */
function scanKeys(text: string, add: Add, spans: Array<[number, number]>): void {
  KEY_TOKEN.lastIndex = 0;
  for (let m = KEY_TOKEN.exec(text); m !== null; m = KEY_TOKEN.exec(text)) {
    const token = m[0];
    if (token.length > MAX_KEY_TOKEN) continue;
    const starts: number[] = [];
    for (const prefix of KEY_STARTS) {
      for (
        let at = token.indexOf(prefix);
        at !== -1 && starts.length < MAX_STARTS_PER_TOKEN;
        at = token.indexOf(prefix, at + 1)
      ) {
        starts.push(at);
      }
    }
    for (const at of starts) {
      for (const rule of KEY_RULES) {
        rule.re.lastIndex = at;
        const k = rule.re.exec(token);
        if (k === null) continue;
        const start = m.index + at;
        add(rule.kind, rule.rule, rule.confidence, start, start + k[0].length);
        spans.push([start, start + k[0].length]);
        break;
      }
    }
  }
  if (text.indexOf("PRIVATE KEY") === -1) return;
  PRIVATE_KEY_BLOCK.lastIndex = 0;
  for (let m = PRIVATE_KEY_BLOCK.exec(text); m !== null; m = PRIVATE_KEY_BLOCK.exec(text)) {
    add("private_key", "private_key_block", 0.99, m.index, m.index + m[0].length);
    spans.push([m.index, m.index + m[0].length]);
  }
}

function scanCredentials(text: string, add: Add, prefixed: boolean, secretWords: boolean): void {
  const spans: Array<[number, number]> = [];
  if (prefixed) scanKeys(text, add, spans);
  if (!secretWords) return;
  const covered = (start: number) => spans.some(([s, e]) => start >= s && start < e);
  SECRET_ASSIGNMENT.lastIndex = 0;
  for (let m = SECRET_ASSIGNMENT.exec(text); m !== null; m = SECRET_ASSIGNMENT.exec(text)) {
    const token = m[1] ?? "";
    const start = m.index + m[0].length - token.length;
    if (covered(start) || UUID_SHAPE.test(token)) continue;
    const hasDigit = /\d/.test(token);
    const hasLetter = /[A-Za-z]/.test(token);
    if (!hasDigit || !hasLetter) continue;
    const entropy = shannonEntropy(token);
    const threshold = HEX_ONLY.test(token) ? 3.0 : 3.5;
    if (entropy >= threshold)
      add("high_entropy_secret", "generic_secret", entropy >= 4.2 ? 0.8 : 0.65, start, start + token.length);
  }
  PASSWORD_ASSIGNMENT.lastIndex = 0;
  for (let m = PASSWORD_ASSIGNMENT.exec(text); m !== null; m = PASSWORD_ASSIGNMENT.exec(text)) {
    const value = m[1] ?? "";
    const start = m.index + m[0].length - value.length;
    if (
      covered(start) ||
      /^(?:\*+|x+|\.+|<[^>]*>|\{\{?[^}]*\}\}?|\$\{?\w+\}?|null|none|undefined|password|changeme|hidden|redacted|secret|example|your[_-]?password|\w*placeholder\w*)$/i.test(
        value,
      )
    )
      continue;
    add("password", "password_assignment", 0.7, start, start + value.length);
  }
}

function scanHealth(text: string, add: Add): void {
  MRN.lastIndex = 0;
  for (let m = MRN.exec(text); m !== null; m = MRN.exec(text)) {
    add("medical_record_number", "medical_record_number", 0.85, m.index, m.index + m[0].length);
  }
  if (ICD_CONTEXT.test(text)) {
    ICD10.lastIndex = 0;
    for (let m = ICD10.exec(text); m !== null; m = ICD10.exec(text)) {
      add("icd10_code", "icd10_code", 0.75, m.index, m.index + m[0].length);
    }
  }
  MEDICAL_TERMS.lastIndex = 0;
  for (let m = MEDICAL_TERMS.exec(text); m !== null; m = MEDICAL_TERMS.exec(text)) {
    add("medical_term", "medical_term", 0.6, m.index, m.index + m[0].length);
  }
}
