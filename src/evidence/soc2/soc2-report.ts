import { AppError } from "../../domain/errors.ts";
import { UNITS } from "../dpa/durations.ts";
import {
  allMatches,
  boundWhitespace,
  type DocumentPage,
  type DocumentText,
  type Extracted,
  extractedAt,
  firstMatch,
  type JoinedText,
  joinPages,
  type LayoutLine,
  linesWithOffsets,
  pageAt,
  pageIndexAt,
  squeeze,
} from "../pdf/document-text.ts";
import { DATE_SOURCE, MONTH_DAY_SOURCE, parseDateText } from "../pdf/text-dates.ts";

export const SOC2_OPINIONS = ["unqualified", "qualified", "adverse", "disclaimer"] as const;
export type Soc2Opinion = (typeof SOC2_OPINIONS)[number];

export const SOC2_REPORT_TYPES = ["type1", "type2"] as const;
export type Soc2ReportType = (typeof SOC2_REPORT_TYPES)[number];

export const TRUST_SERVICES_CATEGORIES = [
  "security",
  "availability",
  "processing_integrity",
  "confidentiality",
  "privacy",
] as const;
export type TrustServicesCategory = (typeof TRUST_SERVICES_CATEGORIES)[number];

export const SUBSERVICE_METHODS = ["carve_out", "inclusive", "unknown"] as const;
export type SubserviceMethod = (typeof SUBSERVICE_METHODS)[number];

/** A deviation the service auditor found when testing a control. */
export interface Soc2Exception {
  controlId: string | null;
  criterion: string | null;
  /** "2 of 25": deviations found and items sampled. */
  sample: { deviations: number; sampled: number } | null;
  deviation: string;
  managementResponse: Extracted<string> | null;
}

export interface SubserviceOrganization {
  name: string;
  method: SubserviceMethod;
}

/** A section of the report found by its title (never by its number: some reports reorder them). */
export interface Soc2Section {
  kind: Soc2SectionKind;
  title: string;
  page: number;
}

export type Soc2SectionKind =
  | "auditor_report"
  | "assertion"
  | "description"
  | "tests_of_controls"
  | "other_information";

/** What a SOC 2 report states. Every field carries its page and the text it was read from. */
export interface Soc2Report {
  sections: Soc2Section[];
  serviceOrganization: Extracted<string> | null;
  auditorFirm: Extracted<string> | null;
  auditorCity: Extracted<string> | null;
  reportType: Extracted<Soc2ReportType> | null;
  /** Start of the examination period (Type 2 only). */
  periodStart: Extracted<string> | null;
  /** End of the period (Type 2) or the "as of" date (Type 1). */
  periodEnd: Extracted<string> | null;
  reportDate: Extracted<string> | null;
  trustServicesCategories: Extracted<TrustServicesCategory[]> | null;
  opinion: Extracted<Soc2Opinion> | null;
  opinionBasis: Extracted<string> | null;
  exceptions: Extracted<Soc2Exception>[];
  complementaryUserEntityControls: Extracted<string>[];
  complementarySubserviceOrganizationControls: Extracted<string>[];
  subserviceOrganizations: Extracted<SubserviceOrganization>[];
}

/** Most characters of text the parser accepts (the PDF reader caps extraction separately). */
export const MAX_SOC2_TEXT_CHARS = 20_000_000;
const MAX_LIST_ITEMS = 200;
const APOS = "['’`]";

const SECTION_TITLES: [Soc2SectionKind, RegExp][] = [
  [
    "auditor_report",
    new RegExp(
      `^(?:Report\\s+of\\s+)?Independent\\s+(?:Service\\s+)?(?:Auditors?|Accountants?)${APOS}?s?(?:\\s+Report)?$`,
      "i",
    ),
  ],
  [
    "assertion",
    new RegExp(
      `^(?:[\\w&.,'’ ]{1,60}\\s+)?Management${APOS}s\\s+(?:Assertion|Report)$|^Assertion\\s+of\\s+[\\w&.,'’ ]{1,60}Management$|^Assertion\\s+(?:of|by)\\s+(?:the\\s+)?Management\\s+of\\s+[\\w&.,'’ ]{1,60}$`,
      "i",
    ),
  ],
  [
    "description",
    /^(?:[\w&.,'’ ]{1,60}\s+)?Description\s+of\s+(?:the|its|our)\s+[\w -]{0,60}(?:System|Services?|Platform)$/i,
  ],
  // "Description of Tests of Controls" is also a heading inside the auditor's report; the
  // section itself names the criteria or the results.
  [
    "tests_of_controls",
    /^(?=.*\b(?:Criteria|Results)\b).{0,80}Tests?(?:\s+of\s+Controls?)?(?:\s+and\s+Results(?:\s+of\s+Tests)?)?$/i,
  ],
  ["other_information", /^Other\s+Information\s+Provided\s+by\b.{0,80}$/i],
];

/** Heading line of a section: an optional "Section 3:" prefix, the title, no page number after. */
function sectionTitleOf(line: string): { kind: Soc2SectionKind; title: string } | null {
  const trimmed = line.trim();
  if (trimmed.length === 0 || trimmed.length > 140) return null;
  if (/(?:\.{3,}|\s\d{1,3})$/.test(trimmed)) return null; // table-of-contents entry
  const title = trimmed.replace(
    /^(?:Section|Part)\s+(?:[IVX]+|\d+|One|Two|Three|Four|Five)\s*[:.–—-]?\s*/i,
    "",
  );
  for (const [kind, pattern] of SECTION_TITLES) if (pattern.test(title)) return { kind, title };
  return null;
}

interface SectionRange {
  kind: Soc2SectionKind;
  title: string;
  start: number;
  end: number;
}

function findSections(joined: JoinedText): SectionRange[] {
  const found: SectionRange[] = [];
  const text = joined.text;
  // Headings of wrapped titles span two lines; try each line and each line joined with the next.
  const lines = linesWithOffsets(text);
  for (let i = 0; i < lines.length; i++) {
    const current = lines[i];
    if (current === undefined) continue;
    const next = lines[i + 1];
    // A blank line is never the start of a heading (it would report the page before).
    if (current.line.trim().length === 0) continue;
    const candidates = [current.line];
    if (next !== undefined && next.line.trim().length > 0)
      candidates.push(`${current.line.trim()} ${next.line.trim()}`);
    for (const candidate of candidates) {
      const hit = sectionTitleOf(candidate);
      if (hit && !found.some((s) => s.kind === hit.kind)) {
        found.push({ ...hit, start: current.start, end: text.length });
        break;
      }
    }
  }
  found.sort((a, b) => a.start - b.start);
  for (let i = 0; i < found.length; i++) {
    const current = found[i];
    const next = found[i + 1];
    if (current && next) current.end = next.start;
  }
  return found;
}

const DATE_RE = `(${DATE_SOURCE})`;

function dateFact(joined: JoinedText, match: RegExpExecArray, group: number): Extracted<string> | null {
  const raw = match[group];
  const value = raw === undefined ? null : parseDateText(raw);
  if (value === null) return null;
  return extractedAt(joined, value, match.index, match.index + match[0].length);
}

const CATEGORY_WORDS: [TrustServicesCategory, RegExp][] = [
  ["security", /\bsecurity\b/i],
  ["availability", /\bavailability\b/i],
  ["processing_integrity", /\bprocessing\s+integrity\b/i],
  ["confidentiality", /\bconfidentiality\b/i],
  ["privacy", /\bprivacy\b/i],
];

// Number words to twenty, in order, so a word's index is its value ("two of 25").
const NUMBER_WORDS = [...UNITS, "twenty"];
const COUNT = `(\\d{1,6}|${NUMBER_WORDS.join("|")})`;

function countValue(word: string): number {
  const n = Number(word);
  return Number.isFinite(n) ? n : NUMBER_WORDS.indexOf(word.toLowerCase());
}

const CRITERION = /\b(CC\d{1,2}\.\d{1,2}|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d)\b/g;
const CONTROL_ID = /\bControl\s*(?:ID|No\.|Number|#)?\s*:?\s*([A-Z]{0,6}[-.]?\d+(?:[-.]\d+)*[a-z]?)\b/g;

function lastMatchBefore(text: string, pattern: RegExp, from: number, to: number): RegExpExecArray | null {
  let last: RegExpExecArray | null = null;
  for (const m of allMatches(text.slice(from, to), pattern)) last = m;
  return last;
}

/**
 * Reads a SOC 2 report's text into facts: who, by whom, which type and period, the opinion,
 * the exceptions, the complementary controls and the subservice organisations. Sections are
 * found by title, so reports that put the assertion first still read. Never throws on odd
 * text except INPUT_TOO_LARGE past MAX_SOC2_TEXT_CHARS.
 */
export function parseSoc2Report(input: DocumentText): Soc2Report {
  const doc = boundWhitespace(input);
  const joined = joinPages(doc);
  if (joined.text.length > MAX_SOC2_TEXT_CHARS) {
    throw new AppError(
      "INPUT_TOO_LARGE",
      `The report text is longer than ${MAX_SOC2_TEXT_CHARS} characters.`,
      {
        details: { limit: MAX_SOC2_TEXT_CHARS, length: joined.text.length },
      },
    );
  }
  const text = joined.text;
  const sections = findSections(joined);
  const range = (kind: Soc2SectionKind) => sections.find((s) => s.kind === kind);
  const auditor = range("auditor_report");
  const aStart = auditor?.start ?? 0;
  const aEnd = auditor?.end ?? text.length;

  const serviceOrganization = findServiceOrganization(joined, aStart, aEnd);
  const { reportType, periodStart, periodEnd } = findTypeAndPeriod(joined, aStart, aEnd);
  const signature = findSignature(joined, aStart, aEnd);
  const opinion = findOpinion(joined, aStart, aEnd);
  const tests = range("tests_of_controls");
  const exceptions = findExceptions(joined, doc, tests?.start ?? 0, tests ? tests.end : text.length);
  attachResponses(joined, exceptions);

  return {
    sections: sections.map((s) => ({ kind: s.kind, title: squeeze(s.title), page: pageOf(joined, s.start) })),
    serviceOrganization,
    auditorFirm: signature.firm,
    auditorCity: signature.city,
    reportType,
    periodStart,
    periodEnd,
    reportDate: signature.date,
    trustServicesCategories: findCategories(joined, aStart, aEnd),
    opinion: opinion.opinion,
    opinionBasis: opinion.basis,
    exceptions,
    complementaryUserEntityControls: findControlList(
      joined,
      /^(?:Complementary\s+)?User[\s-]+Entity\s+Controls?(?:\s+Considerations)?(?:\s*\(CUECs?\))?:?$/i,
      /User\s+entit(?:y|ies)\s+(?:are|is|should\s+be)\s+responsible\s+for/i,
    ),
    complementarySubserviceOrganizationControls: findControlList(
      joined,
      /^Complementary\s+Subservice\s+Organi[sz]ation\s+Controls(?:\s*\(CSOCs?\))?:?$/i,
      null,
    ),
    subserviceOrganizations: findSubserviceOrganizations(joined, doc),
  };
}

function pageOf(joined: JoinedText, offset: number): number {
  return pageAt(joined, offset);
}

function findServiceOrganization(joined: JoinedText, start: number, end: number): Extracted<string> | null {
  const text = joined.text;
  const addressed = firstMatch(
    text.slice(0, end),
    /\bTo\s+the\s+(?:Board\s+of\s+Directors\s+and\s+)?(?:Management|Board\s+of\s+Directors|Stockholders)\s+of\s+([^\n:]{2,120})/i,
    start,
  );
  if (addressed?.[1]) {
    const name = trimName(addressed[1]);
    if (name.length > 1)
      return extractedAt(joined, name, addressed.index, addressed.index + addressed[0].length);
  }
  const examined = firstMatch(
    text.slice(0, end),
    new RegExp(`We\\s+have\\s+examined\\s+(?:the\\s+)?([A-Z][^\\n"“(]{1,100}?)${APOS}s?\\s`, ""),
    start,
  );
  if (examined?.[1]) {
    return extractedAt(joined, examined[1].trim(), examined.index, examined.index + examined[0].length);
  }
  return null;
}

/** Trims punctuation after a name, keeping the full stop of "Inc." and similar abbreviations. */
function trimName(raw: string): string {
  const name = raw.trim().replace(/^the\s+/i, "");
  if (/\b(?:Inc|Ltd|Co|Corp|L\.L\.C|S\.A|N\.V|P\.C)\.$/.test(name)) return name;
  return name.replace(/[.,:;]+$/, "");
}

// Only a Type 2 report covers a period; "throughout" is the standard wording, "for" and
// "during" also occur. The start may omit its year ("January 1 to December 31, 2025").
const PERIOD = new RegExp(
  `\\b(?:throughout|during|for|covering)\\s+the\\s+(?:examination\\s+|review\\s+)?period\\s+(?:of\\s+|from\\s+|beginning\\s+)?(?:${DATE_RE}|(${MONTH_DAY_SOURCE}))\\s*(?:,\\s*)?(?:to|through|until|and\\s+ending(?:\\s+on)?|[-–—])\\s*${DATE_RE}`,
  "i",
);

/** The start of a period written without its year: the end's year, or the year before. */
function startWithoutYear(
  joined: JoinedText,
  match: RegExpExecArray,
  end: Extracted<string> | null,
): Extracted<string> | null {
  const dayMonth = match[2];
  if (end === null || dayMonth === undefined) return null;
  const year = Number(end.value.slice(0, 4));
  let value = parseDateText(`${dayMonth} ${year}`);
  if (value !== null && value > end.value) value = parseDateText(`${dayMonth} ${year - 1}`);
  return value === null ? null : extractedAt(joined, value, match.index, match.index + match[0].length);
}

function findTypeAndPeriod(
  joined: JoinedText,
  start: number,
  end: number,
): Pick<Soc2Report, "reportType" | "periodStart" | "periodEnd"> {
  const text = joined.text;
  const scopes: [number, number][] = [
    [start, end],
    [0, text.length],
  ];
  for (const [from, to] of scopes) {
    const slice = text.slice(0, to);
    const period = firstMatch(slice, PERIOD, from);
    if (period) {
      const periodEnd = dateFact(joined, period, 3);
      const periodStart = dateFact(joined, period, 1) ?? startWithoutYear(joined, period, periodEnd);
      if (periodStart && periodEnd) {
        return {
          reportType: extractedAt(joined, "type2", period.index, period.index + period[0].length),
          periodStart,
          periodEnd,
        };
      }
    }
    const asOf = firstMatch(slice, new RegExp(`\\bas\\s+of\\s+${DATE_RE}`, "i"), from);
    if (asOf) {
      const periodEnd = dateFact(joined, asOf, 1);
      if (periodEnd) {
        return {
          reportType: extractedAt(joined, "type1", asOf.index, asOf.index + asOf[0].length),
          periodStart: null,
          periodEnd,
        };
      }
    }
  }
  const titled = firstMatch(text, /\bSOC\s*2\b[^\n]{0,40}?\bType\s*(1|2|I{1,2})\b/i);
  if (titled?.[1]) {
    const value: Soc2ReportType = titled[1] === "2" || titled[1].toUpperCase() === "II" ? "type2" : "type1";
    return {
      reportType: extractedAt(joined, value, titled.index, titled.index + titled[0].length),
      periodStart: null,
      periodEnd: null,
    };
  }
  return { reportType: null, periodStart: null, periodEnd: null };
}

const FIRM_SUFFIX =
  /\b(?:LLP|LLC|L\.L\.P\.|PLLC|P\.?C\.|CPAs?|Certified\s+Public\s+Accountants|Ltd\.?|GmbH|AG|Inc\.?|& Co\.?|& Company|Group|Partners|Advisory|Assurance)\s*$/i;
const CITY_SOURCE = "[A-Z][A-Za-z.' -]{1,40},\\s+[A-Z][A-Za-z. ]{1,30}";
const CITY_LINE = new RegExp(`^${CITY_SOURCE}$`);

function findSignature(
  joined: JoinedText,
  start: number,
  end: number,
): { firm: Extracted<string> | null; city: Extracted<string> | null; date: Extracted<string> | null } {
  const text = joined.text;
  const lines = linesWithOffsets(text.slice(start, end)).map((l) => ({
    line: l.line.trim(),
    start: l.start + start,
  }));
  // The date closes the report on its own line, or after the city ("Denver, Colorado, May 1, 2026").
  const dateLine = new RegExp(`^(?:(${CITY_SOURCE}),\\s+)?${DATE_RE}\\.?$`, "i");
  for (let i = lines.length - 1; i >= 0; i--) {
    const current = lines[i];
    if (current === undefined) continue;
    const m = dateLine.exec(current.line);
    const value = m?.[2] ? parseDateText(m[2]) : null;
    if (value === null) continue;
    const date: Extracted<string> = { value, page: pageOf(joined, current.start), quote: current.line };
    let firm: Extracted<string> | null = null;
    let city: Extracted<string> | null = m?.[1]
      ? { value: m[1], page: pageOf(joined, current.start), quote: current.line }
      : null;
    const before = lines.slice(Math.max(0, i - 4), i).filter((l) => l.line.length > 0);
    for (let j = before.length - 1; j >= 0; j--) {
      const candidate = before[j];
      if (candidate === undefined) continue;
      if (
        city === null &&
        firm === null &&
        CITY_LINE.test(candidate.line) &&
        !FIRM_SUFFIX.test(candidate.line)
      ) {
        city = { value: candidate.line, page: pageOf(joined, candidate.start), quote: candidate.line };
        continue;
      }
      if (firm === null && (FIRM_SUFFIX.test(candidate.line) || j === before.length - 1 || city !== null)) {
        if (
          candidate.line.length <= 80 &&
          !/[.:;]$/.test(candidate.line.replace(/(?:Inc|Ltd|Co|P\.C|L\.L\.P)\.$/, ""))
        ) {
          const value = candidate.line.replace(/^\/s\/\s*/i, "");
          firm = { value, page: pageOf(joined, candidate.start), quote: candidate.line };
        }
        break;
      }
    }
    return { firm, city, date };
  }
  return { firm: null, city: null, date: null };
}

const OPINION_RULES: [Soc2Opinion, RegExp][] = [
  [
    "adverse",
    /\bAdverse\s+Opinion\b|In\s+our\s+opinion,\s+because\s+of\s+the\s+significance[^.]{0,300}?(?:does\s+not\s+present|do\s+not\s+present|were\s+not\s+suitably\s+designed|did\s+not\s+operate\s+effectively)/i,
  ],
  ["disclaimer", /\bDisclaimer\s+of\s+Opinion\b|\bwe\s+do\s+not\s+express\s+an\s+opinion\b/i],
  ["qualified", /\bQualified\s+Opinion\b|In\s+our\s+opinion,\s+except\s+for\s+the\s+effects?\b/i],
  ["unqualified", /In\s+our\s+opinion,\s+in\s+all\s+material\s+respects/i],
];

function findOpinion(
  joined: JoinedText,
  start: number,
  end: number,
): { opinion: Extracted<Soc2Opinion> | null; basis: Extracted<string> | null } {
  const text = joined.text;
  const scopes: [number, number][] = [
    [start, end],
    [0, text.length],
  ];
  for (const [from, to] of scopes) {
    const slice = text.slice(0, to);
    // Worst first: a qualified report also says "in all material respects".
    for (const [value, pattern] of OPINION_RULES) {
      const m = firstMatch(slice, pattern, from);
      if (!m) continue;
      const statement =
        value === "unqualified"
          ? m
          : (firstMatch(slice, /In\s+our\s+opinion\b|we\s+do\s+not\s+express\s+an\s+opinion/i, m.index) ?? m);
      const opinion = extractedAt(joined, value, statement.index, statement.index + statement[0].length);
      let basis: Extracted<string> | null = null;
      const basisHeading = firstMatch(
        slice,
        /Basis\s+for\s+(?:Qualified\s+|Adverse\s+)?(?:Disclaimer\s+of\s+)?Opinion\s*\n/i,
        from,
      );
      if (basisHeading && value !== "unqualified") {
        const bodyStart = basisHeading.index + basisHeading[0].length;
        const stop = firstMatch(
          slice,
          /\n\s*(?:Qualified\s+|Adverse\s+)?(?:Disclaimer\s+of\s+)?Opinion\s*\n|In\s+our\s+opinion/i,
          bodyStart,
        );
        const bodyEnd = Math.min(stop ? stop.index : slice.length, bodyStart + 2_000);
        const body = squeeze(slice.slice(bodyStart, bodyEnd));
        if (body.length > 0)
          basis = { value: body, page: pageOf(joined, bodyStart), quote: body.slice(0, 400) };
      }
      return { opinion, basis };
    }
  }
  return { opinion: null, basis: null };
}

function findCategories(
  joined: JoinedText,
  start: number,
  end: number,
): Extracted<TrustServicesCategory[]> | null {
  const slice = joined.text.slice(0, end);
  for (const from of [start, 0]) {
    const m = firstMatch(
      slice,
      /\b(?:criteria|controls)\s+relevant\s+to\s+([^()]{3,200}?)(?:\(|\bthroughout\b|\bas\s+of\b|\.\s)/i,
      from,
    );
    if (!m?.[1]) continue;
    const span = m[1];
    const categories = CATEGORY_WORDS.filter(([, re]) => re.test(span)).map(([c]) => c);
    if (categories.length > 0) return extractedAt(joined, categories, m.index, m.index + m[0].length);
  }
  // "Trust Services Categories in scope: Security, Availability" in the description.
  const listed = firstMatch(
    joined.text,
    /\b(?:applicable\s+)?trust\s+services\s+(?:categories|criteria)(?:\s+(?:in\s+scope|included|covered|addressed))?\s*[:–-]\s*([^\n.]{3,200})/i,
  );
  if (listed?.[1]) {
    const span = listed[1];
    const categories = CATEGORY_WORDS.filter(([, re]) => re.test(span)).map(([c]) => c);
    if (categories.length > 0)
      return extractedAt(joined, categories, listed.index, listed.index + listed[0].length);
  }
  return null;
}

const EXCEPTION_NOTED =
  /(?<!\bno\s)(?<!\bNo\s)\b(?:exceptions?|deviations?)\s+(?:were\s+|was\s+)?noted\b[.:]?/gi;
const ROW_START =
  /\n\s*(?:(?:CC\d{1,2}\.\d{1,2}|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d)\b|Control\s|Test\s+performed|Management[’']s\s+response)|\n\s*\n\s*\n/i;

const ROW_CONTROL =
  /(?:^|\n)[ \t]*(?:CC\d{1,2}\.\d{1,2}|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d)\s+([A-Z]{1,6}-\d+(?:[-.]\d+)*)\b/g;
const ROW_FIRST_CELL = /^\s*(?:CC\d{1,2}\.\d{1,2}|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d)\b/;
/** Cells of one column start within this distance of each other (PDF units). */
const COLUMN_TOLERANCE = 4;

/**
 * The rest of a table cell that continues below the match: the cells at the same x on the
 * following lines, until the next row (a line whose first cell starts with a criterion id).
 * Word processors write tables line by line across the columns, so without this the
 * deviation would interleave with the test and control columns. Null when not in a table.
 */
function cellContinuation(page: DocumentPage, relAt: number, relAfter: number): string | null {
  const lines = page.lines;
  if (!lines || lines.length === 0) return null;
  let li = -1;
  for (let k = 0; k < lines.length && (lines[k]?.start ?? Infinity) <= relAt; k++) li = k;
  const line = lines[li];
  if (!line || line.cells.length < 2) return null;
  const lineEnd = (k: number) => (lines[k + 1]?.start ?? page.text.length + 1) - 1;
  const cellIndex = line.cells.findLastIndex((c) => c.start <= relAt);
  const cell = line.cells[cellIndex];
  if (!cell) return null;
  const cellEnd = (l: LayoutLine, k: number, ci: number) => l.cells[ci + 1]?.start ?? lineEnd(k);
  const parts = [page.text.slice(relAfter, cellEnd(line, li, cellIndex))];
  for (let k = li + 1; k < lines.length && k <= li + 40; k++) {
    const next = lines[k];
    if (!next) break;
    const first = next.cells[0];
    if (first && ROW_FIRST_CELL.test(page.text.slice(first.start, cellEnd(next, k, 0)))) break;
    const ci = next.cells.findIndex((c) => Math.abs(c.x - cell.x) <= COLUMN_TOLERANCE);
    const same = next.cells[ci];
    if (same) parts.push(page.text.slice(same.start, cellEnd(next, k, ci)));
  }
  return squeeze(parts.join(" "));
}

function findExceptions(
  joined: JoinedText,
  doc: DocumentText,
  start: number,
  end: number,
): Extracted<Soc2Exception>[] {
  const text = joined.text;
  const slice = text.slice(start, end);
  const out: Extracted<Soc2Exception>[] = [];
  for (const m of allMatches(slice, EXCEPTION_NOTED, 5_000)) {
    const at = start + m.index;
    const after = at + m[0].length;
    const pageIndex = pageIndexAt(joined, at);
    const page = doc.pages[pageIndex];
    const pageStart = joined.starts[pageIndex] ?? 0;
    const inCell = page ? cellContinuation(page, at - pageStart, after - pageStart) : null;
    const rest = text.slice(after, Math.min(end, after + 1_500));
    const stop = ROW_START.exec(rest);
    const deviation = inCell ?? squeeze(rest.slice(0, stop ? stop.index : 800));
    const lookFrom = Math.max(start, at - 1_500);
    const criterion = lastMatchBefore(text, CRITERION, lookFrom, at);
    const control =
      lastMatchBefore(text, CONTROL_ID, lookFrom, at) ?? lastMatchBefore(text, ROW_CONTROL, lookFrom, at);
    const sample = new RegExp(`\\b${COUNT}\\s+(?:out\\s+)?of\\s+(?:the\\s+)?${COUNT}\\b`, "i").exec(
      deviation,
    );
    const value: Soc2Exception = {
      controlId: control?.[1] ?? null,
      criterion: criterion?.[1] ?? null,
      sample:
        sample?.[1] && sample[2]
          ? { deviations: countValue(sample[1]), sampled: countValue(sample[2]) }
          : null,
      deviation,
      managementResponse: null,
    };
    const quoteEnd = after + (stop ? stop.index : Math.min(rest.length, 400));
    const quote = inCell === null ? squeeze(text.slice(at, quoteEnd)) : `${squeeze(m[0])} ${inCell}`;
    out.push({ value, page: pageOf(joined, at), quote: quote.slice(0, 400) });
  }
  return out;
}

function attachResponses(joined: JoinedText, exceptions: Extracted<Soc2Exception>[]): void {
  if (exceptions.length === 0) return;
  const text = joined.text;
  const responses = allMatches(
    text,
    new RegExp(`Management(?:${APOS}s)?\\s+response\\b\\s*[:.–-]?\\s*`, "gi"),
    2_000,
  );
  for (const r of responses) {
    const bodyStart = r.index + r[0].length;
    const rest = text.slice(bodyStart, bodyStart + 1_500);
    const stop = /\n\s*(?:Control\s|CC\d|\n)|\n(?=[A-Z][^\n]{0,80}\n)/.exec(rest);
    const body = squeeze(rest.slice(0, stop ? stop.index : 800));
    if (body.length === 0) continue;
    const context = text.slice(Math.max(0, r.index - 300), r.index);
    const target = exceptions.find(
      (e) =>
        e.value.managementResponse === null &&
        ((e.value.controlId !== null && new RegExp(`\\b${escapeRe(e.value.controlId)}\\b`).test(context)) ||
          (e.value.controlId === null && e.value.criterion !== null && context.includes(e.value.criterion))),
    );
    // A response written right after the deviation belongs to the nearest exception before it.
    const inline =
      target ??
      exceptions
        .filter((e) => e.value.managementResponse === null && pageOf(joined, r.index) - e.page <= 1)
        .at(-1);
    if (inline) inline.value.managementResponse = extractedAt(joined, body, r.index, bodyStart + body.length);
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function isHeadingLike(line: string): boolean {
  const t = line.trim();
  return (
    t.length > 0 &&
    t.length <= 80 &&
    !/[.;:,]$/.test(t) &&
    /^[A-Z]/.test(t) &&
    !/^[•*·–-]/.test(t) &&
    t.split(/\s+/).length <= 10
  );
}

/** Items listed under a heading (bullets, numbered items or sentences), until the next heading. */
function findControlList(
  joined: JoinedText,
  headingPattern: RegExp,
  sentencePattern: RegExp | null,
): Extracted<string>[] {
  const text = joined.text;
  const lines = linesWithOffsets(text);
  const out: Extracted<string>[] = [];
  for (let i = 0; i < lines.length && out.length < MAX_LIST_ITEMS; i++) {
    const line = lines[i];
    if (line === undefined || !headingPattern.test(line.line.trim())) continue;
    let current: { text: string; start: number } | null = null;
    const flush = () => {
      if (current && squeeze(current.text).length > 0) {
        const value = squeeze(current.text).replace(/^(?:[•*·–-]|\d{1,3}[.)])\s*/, "");
        out.push({ value, page: pageOf(joined, current.start), quote: value.slice(0, 400) });
      }
      current = null;
    };
    for (let j = i + 1; j < lines.length && out.length < MAX_LIST_ITEMS; j++) {
      const l = lines[j];
      if (l === undefined) break;
      const t = l.line.trim();
      if (t.length === 0) {
        if (current !== null) flush();
        continue;
      }
      if (isHeadingLike(t) && sectionTitleOf(t) === null && !/^\d/.test(t)) {
        break;
      }
      if (sectionTitleOf(t) !== null) break;
      if (/^(?:[•*·–-]|\d{1,3}[.)])\s+/.test(t) || current === null) {
        flush();
        current = { text: t, start: l.start };
      } else {
        (current as { text: string }).text += ` ${t}`;
      }
    }
    flush();
    if (out.length > 0) break;
  }
  if (out.length === 0 && sentencePattern !== null) {
    for (const m of allMatches(text, new RegExp(sentencePattern.source, "gi"), MAX_LIST_ITEMS)) {
      const fact = extractedAt(joined, "", m.index, m.index + m[0].length);
      if (!out.some((o) => o.quote === fact.quote)) out.push({ ...fact, value: fact.quote });
    }
  }
  return out;
}

const ORG_NAME =
  '([A-Z][A-Za-z0-9&.\'’ -]{1,80}?(?:,\\s*(?:Inc|LLC|L\\.L\\.C|Ltd|Corp|Co|GmbH|PLC)\\.?)?(?:\\s*\\(["“]?[A-Z][A-Za-z]{1,10}["”]?\\))?)';

const SUBSERVICE_HEADING = /^Subservice\s+Organi[sz]ations?(?:\s+[A-Za-z ]{0,40})?:?$/i;
const TABLE_HEADER_NAME = /^(?:Subservice\s+Organi[sz]ations?|Name|Vendor|Provider|Organi[sz]ation)s?$/i;

/**
 * Organisations listed in a table under a "Subservice Organizations" heading: the first cell of
 * each row (a line with at least two cells), up to the next heading. Only laid-out pages (PDFs)
 * have cells; prose is left to the sentence patterns.
 */
function tableSubserviceNames(doc: DocumentText, joined: JoinedText): { name: string; at: number }[] {
  const out: { name: string; at: number }[] = [];
  doc.pages.forEach((page, pageIndex) => {
    const lines = page.lines;
    if (!lines) return;
    const base = joined.starts[pageIndex] ?? 0;
    const lineText = (k: number) =>
      page.text.slice(lines[k]?.start ?? 0, (lines[k + 1]?.start ?? page.text.length + 1) - 1).trim();
    for (let k = 0; k < lines.length; k++) {
      if (!SUBSERVICE_HEADING.test(lineText(k))) continue;
      for (let j = k + 1; j < lines.length && j <= k + 60; j++) {
        const line = lines[j];
        if (!line) break;
        const text = lineText(j);
        if (line.cells.length < 2) {
          if (isHeadingLike(text)) break;
          continue;
        }
        const first = line.cells[0];
        const second = line.cells[1];
        if (!first || !second) continue;
        const name = page.text.slice(first.start, second.start).trim();
        if (name.length >= 2 && name.length <= 80 && /^[A-Z]/.test(name) && !TABLE_HEADER_NAME.test(name)) {
          out.push({ name, at: base + first.start });
        }
      }
    }
  });
  return out;
}

function findSubserviceOrganizations(
  joined: JoinedText,
  doc: DocumentText,
): Extracted<SubserviceOrganization>[] {
  const text = joined.text;
  const out: Extracted<SubserviceOrganization>[] = [];
  const patterns = [
    new RegExp(
      `\\b(?:uses|utilizes|utilises|relies\\s+on)\\s+${ORG_NAME},?\\s+(?:a|as\\s+a|an|as\\s+its)\\s+(?:third[- ]party\\s+)?subservice\\s+organi[sz]ations?`,
      "g",
    ),
    new RegExp(`\\b${ORG_NAME}\\s+(?:is|acts\\s+as)\\s+a\\s+subservice\\s+organi[sz]ation`, "g"),
  ];
  for (const pattern of patterns) {
    for (const m of allMatches(text, pattern, 200)) {
      // "Amazon Web Services, Inc. ("AWS")": the short name in brackets is not part of the name.
      const name = (m[1] ?? "")
        .replace(/^(?:the|The)\s+/, "")
        .replace(/\s*\([^)]*\)$/, "")
        .trim();
      if (name.length < 2 || out.some((o) => o.value.name === name)) continue;
      out.push(extractedAt(joined, { name, method: methodFor(text, name) }, m.index, m.index + m[0].length));
    }
  }
  for (const { name, at } of tableSubserviceNames(doc, joined)) {
    if (out.some((o) => o.value.name === name)) continue;
    out.push(extractedAt(joined, { name, method: methodFor(text, name) }, at, at + name.length));
  }
  return out;
}

function methodFor(text: string, name: string): SubserviceMethod {
  const carve =
    /carve[- ]?out\s+method|carved[- ]out|\bexcludes?\s+the\s+(?:relevant\s+)?controls\s+of|are\s+excluded\s+from\s+the\s+scope/i;
  const inclusive =
    /inclusive\s+method|\bincludes?\s+the\s+(?:relevant\s+)?controls\s+of|are\s+included\s+in\s+the\s+scope|examination\s+included\s+the\s+controls/i;
  const paragraphs = text.split(/\n\s*\n/).filter((p) => squeeze(p).includes(squeeze(name)));
  for (const p of paragraphs) {
    if (inclusive.test(p)) return "inclusive";
    if (carve.test(p)) return "carve_out";
  }
  if (inclusive.test(text)) return "inclusive";
  if (carve.test(text)) return "carve_out";
  return "unknown";
}
