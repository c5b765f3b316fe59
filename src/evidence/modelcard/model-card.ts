import { parse as parseYaml } from "yaml";
import { AppError } from "../../domain/errors.ts";
import { boundWhitespace, type EvidenceFinding } from "../pdf/document-text.ts";
import { isHubLicenseId } from "./hub-licenses.ts";

/** The card sections a reviewer needs, after the Hub's model card template. */
export const MODEL_CARD_SECTIONS = [
  "uses",
  "direct_use",
  "downstream_use",
  "out_of_scope_use",
  "bias_risks_limitations",
  "training_data",
  "training_details",
  "evaluation",
] as const;
export type ModelCardSection = (typeof MODEL_CARD_SECTIONS)[number];

export interface ModelCardMetadata {
  license: string | null;
  licenseName: string | null;
  licenseLink: string | null;
  datasets: string[];
  baseModel: string[];
  pipelineTag: string | null;
  language: string[];
  libraryName: string | null;
}

export interface SectionFact {
  present: boolean;
  /** The heading as written, when there is one. */
  heading: string | null;
  /** 1-based line of the heading in the README. */
  line: number | null;
}

export interface ModelCardAnalysis {
  /** False when there is no card at all (no README or an empty one). */
  cardPresent: boolean;
  metadata: ModelCardMetadata;
  licenseValid: boolean;
  sections: Record<ModelCardSection, SectionFact>;
  present: string[];
  missing: string[];
  /** The red flag "no model card or documentation": no card, no training data or no limitations. */
  noDocumentationRedFlag: boolean;
  findings: EvidenceFinding[];
}

/** Largest README read; real cards are well under this. */
export const MAX_MODEL_CARD_CHARS = 2_000_000;
const PLACEHOLDER = /\[\s*More\s+Information\s+Needed\s*\]|More\s+information\s+needed\.?/gi;

const SECTION_PATTERNS: [ModelCardSection, RegExp][] = [
  ["direct_use", /\bdirect\s+use/],
  ["downstream_use", /\bdownstream\s+use|\bfine[- ]?tuned\s+use/],
  ["out_of_scope_use", /\bout[- ]of[- ]scope|\bmisuse\b|\bmalicious\s+use|\bprohibited\s+use/],
  ["uses", /^(?:uses|intended\s+uses?(?:\s+(?:&|and)\s+limitations)?|intended\s+use\s+cases?|use\s+cases?)$/],
  ["bias_risks_limitations", /\bbias|\brisks?\b|\blimitations?\b/],
  ["training_data", /\btraining\s+data(?:sets?)?\b|^data(?:sets?)?$|^training\s+and\s+evaluation\s+data$/],
  ["training_details", /\btraining\s+(?:details|procedure|hyperparameters|regime)|^training$/],
  ["evaluation", /\bevaluation|^results$|\bbenchmarks?\b|\bmetrics\b/],
];

interface Heading {
  level: number;
  title: string;
  line: number;
  bodyStart: number;
}

function frontMatter(text: string): { yaml: string | null; body: string; bodyLine: number } {
  const m = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!m) return { yaml: null, body: text, bodyLine: 1 };
  return { yaml: m[1] ?? "", body: text.slice(m[0].length), bodyLine: m[0].split("\n").length };
}

function stringList(value: unknown): string[] {
  if (typeof value === "string") return value.trim().length > 0 ? [value.trim()] : [];
  if (Array.isArray(value))
    return value
      .filter((v): v is string => typeof v === "string" && v.trim().length > 0)
      .map((v) => v.trim());
  return [];
}

function oneString(value: unknown): string | null {
  return stringList(value)[0] ?? null;
}

function readMetadata(yaml: string | null): { metadata: ModelCardMetadata; error: string | null } {
  const empty: ModelCardMetadata = {
    license: null,
    licenseName: null,
    licenseLink: null,
    datasets: [],
    baseModel: [],
    pipelineTag: null,
    language: [],
    libraryName: null,
  };
  if (yaml === null) return { metadata: empty, error: null };
  let data: unknown;
  try {
    // Aliases are capped so that a "billion laughs" card cannot blow up memory.
    data = parseYaml(yaml, { maxAliasCount: 100, uniqueKeys: false, prettyErrors: false });
  } catch (error) {
    return {
      metadata: empty,
      error: error instanceof Error ? (error.message.split("\n")[0] ?? "invalid YAML") : "invalid YAML",
    };
  }
  if (data === null || data === undefined) return { metadata: empty, error: null };
  if (typeof data !== "object" || Array.isArray(data))
    return { metadata: empty, error: "the metadata is not a mapping" };
  const d = data as Record<string, unknown>;
  return {
    metadata: {
      license: oneString(d.license)?.toLowerCase() ?? null,
      licenseName: oneString(d.license_name),
      licenseLink: oneString(d.license_link),
      datasets: stringList(d.datasets),
      baseModel: stringList(d.base_model),
      pipelineTag: oneString(d.pipeline_tag),
      language: stringList(d.language),
      libraryName: oneString(d.library_name),
    },
    error: null,
  };
}

function headingsOf(body: string, firstLine: number): { headings: Heading[]; lines: string[] } {
  const lines = body.split(/\r?\n/);
  const headings: Heading[] = [];
  let fenced = false;
  lines.forEach((line, i) => {
    if (/^\s{0,3}(?:```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) return;
    const m = /^\s{0,3}(#{1,6})[ \t]+(\S.*)$/.exec(line);
    const title = m?.[2] === undefined ? "" : headingTitle(m[2]);
    if (m?.[1] && title) headings.push({ level: m[1].length, title, line: firstLine + i, bodyStart: i + 1 });
  });
  return { headings, lines };
}

/** A heading's text without the optional closing run of "#" (which must follow white space). */
function headingTitle(raw: string): string {
  let title = raw.trimEnd();
  let end = title.length;
  while (end > 0 && title[end - 1] === "#") end--;
  if (end < title.length && (end === 0 || title[end - 1] === " " || title[end - 1] === "\t"))
    title = title.slice(0, end);
  return title.trimEnd();
}

/** Removes HTML comments by scanning, so that unclosed ones cannot make it quadratic. */
function withoutComments(text: string): string {
  let out = "";
  let at = 0;
  for (;;) {
    const open = text.indexOf("<!--", at);
    if (open < 0) return out + text.slice(at);
    out += text.slice(at, open);
    const close = text.indexOf("-->", open + 4);
    if (close < 0) return out;
    at = close + 3;
  }
}

function normaliseTitle(title: string): string {
  return title
    .replace(/<[^<>]{0,200}>/g, "")
    .replace(/[*_`[\]():]/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
}

/** True when the section holds real content: not empty, not only sub-headings, comments or placeholders. */
function hasContent(lines: string[], from: number, to: number): boolean {
  const body = withoutComments(
    lines
      .slice(from, to)
      .filter((l) => !/^\s{0,3}#{1,6}\s/.test(l))
      .join("\n"),
  )
    .replace(PLACEHOLDER, "")
    .replace(/[-*_>#|:\s]/g, "");
  return body.length >= 10;
}

function sectionFacts(body: string, firstLine: number): Record<ModelCardSection, SectionFact> {
  const { headings, lines } = headingsOf(body, firstLine);
  const facts = Object.fromEntries(
    MODEL_CARD_SECTIONS.map((s) => [s, { present: false, heading: null, line: null } as SectionFact]),
  ) as Record<ModelCardSection, SectionFact>;
  headings.forEach((h, i) => {
    let end = lines.length;
    for (let j = i + 1; j < headings.length; j++) {
      const next = headings[j];
      if (next && next.level <= h.level) {
        end = next.bodyStart - 1;
        break;
      }
    }
    const title = normaliseTitle(h.title);
    const content = hasContent(lines, h.bodyStart, end);
    for (const [section, pattern] of SECTION_PATTERNS) {
      if (!pattern.test(title)) continue;
      const fact = facts[section];
      if (!fact.present) facts[section] = { present: content, heading: h.title, line: h.line };
      // "Intended uses & limitations" documents both.
      if (section === "uses" && /limitations?/.test(title) && !facts.bias_risks_limitations.present) {
        facts.bias_risks_limitations = { present: content, heading: h.title, line: h.line };
      }
      break;
    }
  });
  return facts;
}

const RED_FLAG = "No model card or documentation";

/**
 * Decides what a Hugging Face model card documents: licence (a Hub identifier; "other" needs
 * license_name and license_link), datasets, base model, pipeline tag, language, library, and the
 * template's sections (uses, out-of-scope use, bias/risks/limitations, training data and details,
 * evaluation). "[More Information Needed]" counts as missing. No card, no training data or no
 * limitations raise the red flag "no model card or documentation". `undefined` means no README.
 */
export function analyzeModelCard(text: string | undefined): ModelCardAnalysis {
  if (text !== undefined && text.length > MAX_MODEL_CARD_CHARS) {
    throw new AppError(
      "INPUT_TOO_LARGE",
      `The model card is longer than ${MAX_MODEL_CARD_CHARS} characters.`,
      {
        details: { limit: MAX_MODEL_CARD_CHARS, length: text.length },
      },
    );
  }
  const cardPresent = text !== undefined && text.replace(PLACEHOLDER, "").trim().length > 0;
  const { yaml, body: rawBody, bodyLine } = frontMatter(text ?? "");
  // Long runs of blank lines or spaces carry nothing; bounding them keeps every pattern linear.
  const body = boundWhitespace({ pages: [{ number: 1, text: rawBody }] }).pages[0]?.text ?? "";
  const { metadata, error } = readMetadata(yaml);
  const sections = sectionFacts(body, bodyLine);
  const findings: EvidenceFinding[] = [];

  const license = metadata.license;
  const licenseValid =
    license !== null &&
    isHubLicenseId(license) &&
    license !== "unknown" &&
    (license !== "other" || (metadata.licenseName !== null && metadata.licenseLink !== null));

  const items: [string, boolean][] = [
    ["license", license !== null],
    ["datasets", metadata.datasets.length > 0],
    ["base_model", metadata.baseModel.length > 0],
    ["pipeline_tag", metadata.pipelineTag !== null],
    ["language", metadata.language.length > 0],
    ["library_name", metadata.libraryName !== null],
    ...MODEL_CARD_SECTIONS.map((s): [string, boolean] => [s, sections[s].present]),
  ];
  const hasTrainingData = sections.training_data.present || metadata.datasets.length > 0;
  const hasLimitations = sections.bias_risks_limitations.present;
  const noDocumentationRedFlag = !cardPresent || !hasTrainingData || !hasLimitations;

  if (noDocumentationRedFlag) {
    const reasons = !cardPresent
      ? ["there is no model card"]
      : [
          !hasTrainingData ? "no training data is described" : null,
          !hasLimitations ? "no bias, risks or limitations are described" : null,
        ].filter((r): r is string => r !== null);
    findings.push({
      rule: "modelcard.no_documentation",
      severity: "high",
      title: RED_FLAG,
      detail: `Red flag: ${reasons.join(" and ")}.`,
    });
  }
  if (cardPresent) {
    if (error !== null) {
      findings.push({
        rule: "modelcard.metadata_invalid",
        severity: "medium",
        title: "Card metadata cannot be read",
        detail: `The YAML front matter is invalid: ${error}`,
      });
    }
    if (license === null) {
      findings.push({
        rule: "modelcard.license_missing",
        severity: "medium",
        title: "No licence in the card metadata",
        detail: "Without a licence the terms of use of the model are unknown.",
      });
    } else if (!isHubLicenseId(license) || license === "unknown") {
      findings.push({
        rule: "modelcard.license_invalid",
        severity: "medium",
        title: `Licence "${license}" is not a known identifier`,
        detail:
          "Use an identifier from the Hub's licence list, or 'other' with license_name and license_link.",
      });
    } else if (license === "other" && !licenseValid) {
      findings.push({
        rule: "modelcard.license_other_unnamed",
        severity: "medium",
        title: "Licence 'other' without name or link",
        detail: "A custom licence needs license_name and license_link so that its terms can be read.",
      });
    }
    if (!sections.evaluation.present) {
      findings.push({
        rule: "modelcard.evaluation_missing",
        severity: "medium",
        title: "No evaluation",
        detail: "The card reports no evaluation data, metrics or results.",
      });
    }
    if (!sections.out_of_scope_use.present) {
      findings.push({
        rule: "modelcard.out_of_scope_missing",
        severity: "low",
        title: "No out-of-scope use",
        detail: "The card does not say what the model must not be used for.",
      });
    }
    if (!sections.uses.present && !sections.direct_use.present && !sections.downstream_use.present) {
      findings.push({
        rule: "modelcard.uses_missing",
        severity: "low",
        title: "No intended uses",
        detail: "The card does not describe intended uses.",
      });
    }
    if (!sections.training_details.present && sections.training_data.present) {
      findings.push({
        rule: "modelcard.training_details_missing",
        severity: "info",
        title: "No training procedure",
        detail: "Training data is named but the training procedure is not described.",
      });
    }
  }
  return {
    cardPresent,
    metadata,
    licenseValid,
    sections,
    present: items.filter(([, ok]) => ok).map(([name]) => name),
    missing: items.filter(([, ok]) => !ok).map(([name]) => name),
    noDocumentationRedFlag,
    findings,
  };
}
