/**
 * Generator of labelled prompts for measuring the classifier: realistic request text, with and
 * without sensitive data, and the look-alikes that trip naive detectors (card numbers failing Luhn,
 * IBANs failing mod-97, SSNs in never-issued ranges, random digit strings, version numbers, UUIDs,
 * hashes, dates). Deterministic for a seed, so figures are reproducible; all values are synthetic.
 */
import { composeIBAN } from "ibantools";
import { luhnValid } from "./detectors.ts";
import type { DetectionKind } from "./types.ts";

/** Small fast seeded PRNG (mulberry32): reproducible corpora without Math.random. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LabelledPrompt {
  text: string;
  /** Kinds truly present (what a perfect detector reports). */
  kinds: DetectionKind[];
  /** Kind of look-alike planted, if any (for reading false positives). */
  lookAlike: string | null;
}

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const int = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
const digits = (rng: Rng, n: number) => Array.from({ length: n }, () => String(int(rng, 0, 9))).join("");
const chars = (rng: Rng, alphabet: string, n: number) =>
  Array.from({ length: n }, () => alphabet[int(rng, 0, alphabet.length - 1)]).join("");
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

const SENTENCES = [
  "Summarise the following support ticket in two sentences and suggest a next step.",
  "Rewrite this release note so that a non-technical customer understands it.",
  "The deployment to the staging cluster failed after the migration step timed out.",
  "Write a polite reply explaining that the refund will arrive within five business days.",
  "Translate the paragraph below into German, keeping the product names in English.",
  "Classify the sentiment of this review as positive, neutral or negative.",
  "Our quarterly revenue grew by 12 percent compared with the same period in 2024.",
  "Explain why the unit tests in the payments module are flaky on the CI runners.",
  "Generate three subject lines for the onboarding email campaign.",
  "List the open questions from the meeting notes and assign an owner to each.",
  "The customer reports that the export button does nothing on Safari 17.",
  "Draft a job description for a senior backend engineer working on data pipelines.",
  "Convert this SQL query to use a window function instead of a self join.",
  "We shipped 340 orders yesterday and 18 of them were delayed by the carrier.",
  "Please review the pull request and point out any security concerns.",
  "Extract the action items from this transcript as a bulleted list.",
  "The model should answer in a friendly tone and never promise delivery dates.",
  "Compare the latency of the two vector databases we tested last week.",
  "Write a SQL migration that adds an index on the created_at column.",
  "Here is the stack trace from the worker process that crashed at 03:14 UTC.",
  "The invoice total was 1,249.50 EUR including VAT at 19 percent.",
  "Create a checklist for the SOC 2 evidence collection before the audit in March.",
  "Our retention policy keeps logs for 90 days and backups for 35 days.",
  "Suggest a name for the internal tool that tracks vendor reviews.",
];

const FIRST = ["Jane", "Omar", "Lucía", "Wei", "Priya", "Tom", "Anna", "Kofi", "Marta", "Sven"];
const LAST = ["Doe", "Haddad", "García", "Chen", "Patel", "Novak", "Berg", "Mensah", "Rossi", "Larsen"];
const DOMAINS = ["example.com", "example.org", "mail.example.net", "corp.example.co.uk"];

function sentence(rng: Rng): string {
  return pick(rng, SENTENCES);
}

function paragraph(rng: Rng, min: number, max: number): string {
  return Array.from({ length: int(rng, min, max) }, () => sentence(rng)).join(" ");
}

function withCheckDigit(rng: Rng, prefix: string, length: number): string {
  const body = prefix + digits(rng, length - prefix.length - 1);
  for (let d = 0; d <= 9; d++) if (luhnValid(body + d)) return body + d;
  return `${body}0`;
}

function cardNumber(rng: Rng): string {
  const [prefix, length] = pick(rng, [
    ["4", 16],
    ["51", 16],
    ["55", 16],
    ["2223", 16],
    ["34", 15],
    ["37", 15],
    ["6011", 16],
  ] as const);
  const n = withCheckDigit(rng, prefix, length);
  const r = rng();
  if (r < 0.4) return n;
  return n.replace(/(\d{4})(?=\d)/g, r < 0.8 ? "$1 " : "$1-");
}

function badCardNumber(rng: Rng): string {
  const valid = withCheckDigit(rng, "4", 16);
  const last = (Number(valid.at(-1)) + int(rng, 1, 9)) % 10;
  return (valid.slice(0, -1) + last).replace(/(\d{4})(?=\d)/g, "$1 ");
}

// Countries whose BBAN has no national check digit beyond mod-97 (FR, IT, ES… add one).
const IBAN_COUNTRIES = ["DE", "GB", "NL"] as const;

function iban(rng: Rng, valid: boolean): string {
  const country = pick(rng, IBAN_COUNTRIES);
  let bban: string;
  if (country === "DE") bban = digits(rng, 18);
  else if (country === "GB") bban = `${chars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4)}${digits(rng, 14)}`;
  else bban = `${chars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4)}${digits(rng, 10)}`;
  let code = composeIBAN({ countryCode: country, bban }) ?? `${country}00${bban}`;
  if (!valid) {
    const check = Number(code.slice(2, 4));
    code = `${code.slice(0, 2)}${String((check + int(rng, 1, 50)) % 97 || 1).padStart(2, "0")}${code.slice(4)}`;
  }
  return rng() < 0.5 ? code : code.replace(/(.{4})(?=.)/g, "$1 ");
}

function ssn(rng: Rng, valid: boolean): string {
  if (valid) {
    let area = int(rng, 1, 899);
    if (area === 666) area = 667;
    return `${String(area).padStart(3, "0")}-${String(int(rng, 1, 99)).padStart(2, "0")}-${String(int(rng, 1, 9999)).padStart(4, "0")}`;
  }
  const kind = int(rng, 0, 4);
  if (kind === 0) return `000-${String(int(rng, 1, 99)).padStart(2, "0")}-${digits(rng, 3)}1`;
  if (kind === 1) return `666-${String(int(rng, 1, 99)).padStart(2, "0")}-${digits(rng, 3)}1`;
  if (kind === 2)
    return `${int(rng, 900, 999)}-${String(int(rng, 1, 99)).padStart(2, "0")}-${digits(rng, 3)}1`;
  if (kind === 3) return `${int(rng, 100, 599)}-00-${digits(rng, 3)}1`;
  return `${int(rng, 100, 599)}-${String(int(rng, 10, 99))}-0000`;
}

function phone(rng: Rng): string {
  // 555-01xx is reserved for fiction in the NANP; libphonenumber still treats 2xx-xxx area codes as
  // valid, so real-looking area codes are used with exchange numbers that pass validation.
  const area = pick(rng, ["212", "415", "617", "312", "206", "303"]);
  const exchange = String(int(rng, 200, 989));
  const line = digits(rng, 4);
  return pick(rng, [
    `(${area}) ${exchange}-${line}`,
    `${area}-${exchange}-${line}`,
    `+1 ${area} ${exchange} ${line}`,
    `${area}.${exchange}.${line}`,
    `${area}${exchange}${line}`,
    `+44 20 7946 ${digits(rng, 4)}`,
    `+49 30 ${int(rng, 2000, 9999)} ${digits(rng, 4)}`,
  ]);
}

function apiKey(rng: Rng): string {
  return pick(rng, [
    () => `AKIA${chars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}`,
    () => `ghp_${chars(rng, ALNUM, 36)}`,
    () => `sk-proj-${chars(rng, `${ALNUM}_-`, 48)}`,
    () => `sk-ant-api03-${chars(rng, `${ALNUM}_-`, 93)}AA`,
    () => `xoxb-${digits(rng, 11)}-${digits(rng, 12)}-${chars(rng, ALNUM, 24)}`,
    () => `AIza${chars(rng, `${ALNUM}_-`, 35)}`,
    () => `sk_live_${chars(rng, ALNUM, 24)}`,
  ])();
}

type Planted = { text: string; kind: DetectionKind };

const POSITIVES: ReadonlyArray<(rng: Rng) => Planted> = [
  (rng) => {
    const f = pick(rng, FIRST);
    const l = pick(rng, LAST);
    return {
      text: `Please follow up with ${f} ${l} at ${f.toLowerCase()}.${l.toLowerCase()}@${pick(rng, DOMAINS)} today.`,
      kind: "email",
    };
  },
  (rng) => ({ text: `The customer asked us to call back on ${phone(rng)} after 5pm.`, kind: "phone" }),
  (rng) => ({ text: `Contact details - mobile: ${phone(rng)}`, kind: "phone" }),
  (rng) => {
    const f = pick(rng, FIRST).toUpperCase();
    return { text: `CC: ${f}@${pick(rng, DOMAINS).toUpperCase()}`, kind: "email" };
  },
  (rng) => ({ text: `Refund the charge on card ${cardNumber(rng)}, expiry 09/28.`, kind: "payment_card" }),
  (rng) => ({ text: `Send the payout to IBAN ${iban(rng, true)} by Friday.`, kind: "iban" }),
  (rng) => ({ text: `Applicant SSN ${ssn(rng, true)} must be verified before onboarding.`, kind: "us_ssn" }),
  (rng) => ({
    text: `Requests from ${pick(rng, [23, 45, 81, 88, 94, 151, 185, 212])}.${int(rng, 0, 255)}.${int(rng, 0, 255)}.${int(rng, 1, 254)} are failing with 502.`,
    kind: "ip_address",
  }),
  (rng) => ({ text: `Why does this fail? client = Client(api_key="${apiKey(rng)}")`, kind: "api_key" }),
  () => ({
    text: "Fix the parser for this file:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA",
    kind: "private_key",
  }),
  (rng) => ({
    text: `Decode this token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI${chars(rng, ALNUM, 20)}In0.${chars(rng, `${ALNUM}_-`, 43)}`,
    kind: "jwt",
  }),
  (rng) => ({
    text: `The service config has password=${chars(rng, ALNUM, 10)}! and fails to start.`,
    kind: "password",
  }),
  (rng) => ({
    text: `Patient MRN: ${digits(rng, 8)} was admitted overnight; summarise the chart.`,
    kind: "medical_record_number",
  }),
  (rng) => ({
    text: `Diagnosis ICD-10 ${pick(rng, ["E11.9", "I10", "J45.909", "F32.1", "C50.911", "M54.5"])} recorded for the patient.`,
    kind: "icd10_code",
  }),
  (rng) => ({
    text: `The patient was prescribed ${pick(rng, ["metformin", "lisinopril", "sertraline", "warfarin", "insulin"])} last month.`,
    kind: "medical_term",
  }),
];

const drugWithoutPatient = (rng: Rng) => ({
  text: `Explain how ${pick(rng, ["metformin", "insulin", "warfarin"])} works, for a general audience.`,
  name: "drug_without_patient",
});

const LOOK_ALIKES: ReadonlyArray<(rng: Rng) => { text: string; name: string }> = [
  (rng) => ({ text: `Card ${badCardNumber(rng)} was declined at checkout.`, name: "card_failing_luhn" }),
  (rng) => ({
    text: `Transfer reference IBAN ${iban(rng, false)} came back rejected.`,
    name: "iban_failing_mod97",
  }),
  (rng) => ({
    text: `Test fixture SSN ${ssn(rng, false)} is used in the staging seed data.`,
    name: "ssn_invalid_range",
  }),
  (rng) => ({
    text: `Order ${digits(rng, int(rng, 10, 16))} was shipped in batch ${digits(rng, 6)}.`,
    name: "random_digits",
  }),
  (rng) => ({
    text: `Upgrade the SDK from version ${int(rng, 1, 9)}.${int(rng, 0, 30)}.${int(rng, 0, 99)}.${int(rng, 0, 99)} to v${int(rng, 1, 9)}.${int(rng, 0, 30)}.${int(rng, 0, 9)}.`,
    name: "version_number",
  }),
  (rng) => ({
    text: `Request id ${[8, 4, 4, 4, 12].map((n) => chars(rng, "0123456789abcdef", n)).join("-")} timed out.`,
    name: "uuid",
  }),
  (rng) => ({ text: `Revert commit ${chars(rng, "0123456789abcdef", 40)} on main.`, name: "git_sha" }),
  (rng) => ({
    text: `The job ran on ${2020 + int(rng, 0, 6)}-0${int(rng, 1, 9)}-1${int(rng, 0, 9)} at 1${int(rng, 0, 9)}:3${int(rng, 0, 9)}:0${int(rng, 0, 9)}.`,
    name: "date_time",
  }),
  drugWithoutPatient,
  (rng) => ({
    text: `The key insight is that the token budget is ${int(rng, 1000, 9000)} per request.`,
    name: "secret_words_no_secret",
  }),
];

/**
 * Harder cases, reported separately: real values written the way people write them when they do not
 * think of detectors (no context words, obfuscated, lower case), and innocent text that looks
 * sensitive (documented test card numbers, private addresses in docs, "diagnostic" codes in logs).
 */
const HARD_POSITIVES: ReadonlyArray<(rng: Rng) => Planted> = [
  (rng) => ({
    text: `Ring ${pick(rng, ["212", "415", "617"])}${int(rng, 200, 989)}${digits(rng, 4)} when you land.`,
    kind: "phone",
  }),
  (rng) => ({ text: `write to ${pick(rng, FIRST).toLowerCase()} at example dot com`, kind: "email" }),
  (rng) => ({ text: `Use ${withCheckDigit(rng, "4", 16)} for the hotel booking.`, kind: "payment_card" }),
  (rng) => ({ text: `the key is ${chars(rng, ALNUM, 32)} so keep it safe`, kind: "high_entropy_secret" }),
  (rng) => ({ text: `Her number ${ssn(rng, true).replace(/-/g, "")} is on the form.`, kind: "us_ssn" }),
  (rng) => ({ text: `iban ${iban(rng, true).replace(/ /g, "").toLowerCase()} for the refund`, kind: "iban" }),
  (rng) => ({
    text: `Route traffic via 2a0${int(rng, 0, 9)}:${chars(rng, "0123456789abcdef", 4)}::${chars(rng, "0123456789abcdef", 3)}:1 today.`,
    kind: "ip_address",
  }),
  (rng) => ({
    text: `My mother was diagnosed with ${pick(rng, ["diabetes", "asthma", "hypertension"])} last year.`,
    kind: "medical_term",
  }),
];

const HARD_LOOK_ALIKES: ReadonlyArray<(rng: Rng) => { text: string; name: string }> = [
  () => ({
    text: "In test mode use the card 4242 4242 4242 4242 from the Stripe docs.",
    name: "documented_test_card",
  }),
  () => ({ text: "The router admin page is at 192.168.0.1 by default.", name: "documentation_ip" }),
  (rng) => ({
    text: `The diagnostic code E${int(rng, 10, 99)} appears in the build log.`,
    name: "diagnostic_error_code",
  }),
  () => ({ text: "Set password: hidden in the example config.", name: "password_placeholder_word" }),
  (rng) => ({
    text: `Ticket 212-555-01${digits(rng, 2)} is about the login page.`,
    name: "ticket_number_like_phone",
  }),
];

/** One labelled prompt: about `pPositive` of them carry one or two planted values, some a look-alike. */
export function generatePrompt(
  rng: Rng,
  pPositive: number,
  pLookAlike = 0.3,
  sentences: readonly [number, number] = [1, 3],
  hard = false,
): LabelledPrompt {
  const positives = hard ? [...POSITIVES, ...HARD_POSITIVES] : POSITIVES;
  const lookAlikes = hard ? [...LOOK_ALIKES, ...HARD_LOOK_ALIKES] : LOOK_ALIKES;
  const parts = [paragraph(rng, sentences[0], sentences[1])];
  const kinds = new Set<DetectionKind>();
  let lookAlike: string | null = null;
  if (rng() < pPositive) {
    const count = rng() < 0.8 ? 1 : 2;
    for (let i = 0; i < count; i++) {
      const planted = pick(rng, positives)(rng);
      parts.push(planted.text);
      kinds.add(planted.kind);
    }
  }
  if (rng() < pLookAlike) {
    // A drug named in a prompt that also describes a patient is health data, not a look-alike.
    const phi = kinds.has("medical_record_number") || kinds.has("icd10_code") || kinds.has("medical_term");
    const l = pick(rng, phi ? lookAlikes.filter((f) => f !== drugWithoutPatient) : lookAlikes)(rng);
    parts.push(l.text);
    lookAlike = l.name;
  }
  parts.push(paragraph(rng, 0, 2));
  // Shuffle the planted sentences into the prose.
  for (let i = parts.length - 1; i > 0; i--) {
    const j = int(rng, 0, i);
    const t = parts[i] as string;
    parts[i] = parts[j] as string;
    parts[j] = t;
  }
  return { text: parts.filter((p) => p.length > 0).join(" "), kinds: [...kinds], lookAlike };
}

const HOSTS: ReadonlyArray<{ url: string; model: string }> = [
  { url: "https://api.openai.com/v1/chat/completions", model: "gpt-4o-2024-08-06" },
  { url: "https://api.openai.com/v1/chat/completions", model: "gpt-4o-mini" },
  { url: "https://api.anthropic.com/v1/messages", model: "claude-3-5-sonnet-20241022" },
  { url: "https://contoso-eu.openai.azure.com/openai/deployments/gpt4o/chat/completions", model: "gpt-4o" },
  {
    url: "https://bedrock-runtime.eu-central-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke",
    model: "anthropic.claude-3-haiku-20240307-v1:0",
  },
  {
    url: "https://europe-west4-aiplatform.googleapis.com/v1/projects/p/locations/europe-west4/publishers/google/models/gemini-1.5-pro-002:generateContent",
    model: "gemini-1.5-pro-002",
  },
  { url: "https://api.mistral.ai/v1/chat/completions", model: "mistral-large-2407" },
  { url: "https://api.cohere.com/v2/chat", model: "command-r-plus" },
];

/**
 * One JSON line in the generic usage schema with a realistic prompt; `pPii` of the lines carry
 * planted sensitive values. Returns the line and whether it carries any.
 */
export function generateUsageLine(
  rng: Rng,
  index: number,
  pPii: number,
): { line: string; sensitive: boolean } {
  const prompt = generatePrompt(rng, pPii, 0.1, [2, 24]);
  const target = pick(rng, HOSTS);
  const line = JSON.stringify({
    timestamp: new Date(Date.UTC(2026, 9, 1) + index * 997).toISOString(),
    url: target.url,
    method: "POST",
    model: target.model,
    user: `svc-${pick(rng, ["support", "search", "billing", "hr", "eng"])}-${int(rng, 1, 40)}`,
    prompt: prompt.text,
    response_bytes: int(rng, 200, 8000),
    region: pick(rng, ["eu", "us", null]),
  });
  return { line, sensitive: prompt.kinds.length > 0 };
}
