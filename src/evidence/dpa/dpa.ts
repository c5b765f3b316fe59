import { AppError } from "../../domain/errors.ts";
import {
  boundWhitespace,
  type DocumentText,
  type EvidenceFinding,
  type Extracted,
  type JoinedText,
  joinPages,
  pageAt,
  squeeze,
} from "../pdf/document-text.ts";
import { DURATION_SOURCE, type Duration, durationFromMatch } from "./durations.ts";

/** Training use of customer data, in Assay's shared vocabulary. */
export type TrainingUse = "no" | "yes" | "opt_out_available" | "unknown";

export const TRANSFER_MECHANISMS = ["sccs", "uk_idta", "uk_addendum", "adequacy", "dpf", "bcr"] as const;
export type TransferMechanism = (typeof TRANSFER_MECHANISMS)[number];

export interface BreachNotice {
  /** Normalised period in hours; null when the clause sets no fixed period ("without undue delay"). */
  hours: number | null;
  period: Duration | null;
}

/** What a DPA or contract commits to, each clause quoted with its page, or null when missing. */
export interface DpaAnalysis {
  trainingUse: TrainingUse;
  training: Extracted<TrainingUse> | null;
  deletionAtTermination: Extracted<string> | null;
  breachNotification: Extracted<BreachNotice> | null;
  auditRights: Extracted<string> | null;
  subprocessorNotice: Extracted<{ days: number | null }> | null;
  subprocessorObjection: Extracted<string> | null;
  dataResidency: Extracted<string[]> | null;
  transferMechanisms: Extracted<TransferMechanism>[];
  retentionLimit: Extracted<{ days: number | null }> | null;
  businessAssociateAgreement: Extracted<string> | null;
  findings: EvidenceFinding[];
}

export interface DpaAnalysisOptions {
  /** The integration sends PHI, so a Business Associate Agreement (HIPAA, 45 CFR 164.504(e)) is required. */
  requireBaa?: boolean;
}

const MAX_DPA_CHARS = 5_000_000;
/** GDPR Art. 33(1) gives the controller 72 hours; a processor that takes longer leaves none. */
const BREACH_HOURS_LIMIT = 72;

interface Sentence {
  text: string;
  start: number;
  end: number;
}

function sentencesOf(joined: JoinedText): Sentence[] {
  const out: Sentence[] = [];
  const text = joined.text;
  const re = /[.;!?](?=\s+["“(]?[A-Z0-9(]|\s*$)|\n\s*\n/g;
  let start = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const end = m.index + m[0].length;
    if (end - start > 1) out.push({ text: text.slice(start, end), start, end });
    start = end;
  }
  if (start < text.length) out.push({ text: text.slice(start), start, end: text.length });
  return out.filter((s) => /[A-Za-z]{3}/.test(s.text));
}

function fact<T>(joined: JoinedText, s: Sentence, value: T): Extracted<T> {
  const quote = squeeze(s.text);
  return {
    value,
    page: pageAt(joined, s.start + (s.text.length - s.text.trimStart().length)),
    quote: quote.length > 600 ? `${quote.slice(0, 599)}…` : quote,
  };
}

const NEGATION =
  /\b(?:shall|will|must|may|does|do|is|are|can)\s+not\b|\b(?:must|does|do|is|are|could|would|should)n[’']t\b|\b(?:won|can|shan)[’']t\b|\bnever\b|\bnot\s+be\b|\bno\s+(?:Customer|Personal|such)\b|\bprohibited\b|\brefrain\b|\bwithout\s+Customer[’']?s?\s+(?:prior\s+)?(?:written\s+)?(?:consent|opt-in)/i;
const TRAINING =
  /\b(?:train(?:ing|ed)?|re-?train\w*|fine-?tun\w*|improve\s+(?:its|the|our|any|their)?\s*(?:own\s+)?(?:machine\s+learning\s+|AI\s+|artificial\s+intelligence\s+)?(?:models?|algorithms?|services?|products?))/i;
const DATA =
  /\b(?:customer\s+data|personal\s+data|customer\s+content|content|inputs?|outputs?|prompts?|data)\b/i;
const ANONYMISED =
  /\b(?:aggregated|anonymi[sz]ed|de-identified|deidentified|usage\s+statistics|telemetry)\b/i;

function classifyTraining(s: string): TrainingUse | null {
  const at = s.search(TRAINING);
  if (at < 0 || !DATA.test(s)) return null;
  const before = s.slice(0, at);
  if (NEGATION.test(before)) return "no";
  if (ANONYMISED.test(s)) return null;
  if (/\bopt(?:s|ing)?[- ]?out\b|\bunless\s+(?:the\s+)?Customer\s+(?:objects|opts|disables|elects)/i.test(s))
    return "opt_out_available";
  if (
    /\b(?:may|will|shall|can|might|is\s+permitted\s+to|are\s+permitted\s+to|reserves\s+the\s+right\s+to|grants?\b[^.]{0,80}\blicen[cs]e)\b/i.test(
      before,
    )
  )
    return "yes";
  return null;
}

function breachNotice(s: string): BreachNotice | null {
  if (
    !/\b(?:breach|security\s+incident|incident)\b/i.test(s) ||
    !/\b(?:notif\w*|inform\w*|report\w*|notice)\b/i.test(s)
  )
    return null;
  const durations = [...s.matchAll(new RegExp(DURATION_SOURCE, "gi"))];
  // "without undue delay and in any event within 72 hours": the bound follows "within" and the like.
  const bounded = durations.find((m) =>
    /(?:within|no\s+later\s+than|not\s+later\s+than|not\s+exceeding|at\s+most|in\s+any\s+event)\s*(?:of\s+)?$/i.test(
      s.slice(Math.max(0, (m.index ?? 0) - 40), m.index),
    ),
  );
  const chosen = bounded ?? durations[0];
  const period = chosen ? durationFromMatch(chosen as RegExpExecArray) : null;
  if (period === null && !/\b(?:without\s+undue\s+delay|promptly|immediately|as\s+soon\s+as)\b/i.test(s))
    return null;
  return { hours: period?.hours ?? null, period };
}

function daysIn(s: string): number | null {
  const m = new RegExp(DURATION_SOURCE, "i").exec(s);
  const d = m ? durationFromMatch(m) : null;
  return d === null ? null : Math.ceil(d.hours / 24);
}

const REGIONS: [string, RegExp][] = [
  ["EEA", /\bEuropean\s+Economic\s+Area\b|\bEEA\b/],
  ["EU", /\bEuropean\s+Union\b|\bEU\b(?!\)\s*2021)/],
  ["UK", /\bUnited\s+Kingdom\b|\bUK\b/],
  ["US", /\bUnited\s+States\b|\bUSA?\b/],
  ["CH", /\bSwitzerland\b/],
  ["CA", /\bCanada\b/],
  ["AU", /\bAustralia\b/],
  ["DE", /\bGermany\b/],
  ["JP", /\bJapan\b/],
];

const MECHANISMS: [TransferMechanism, RegExp][] = [
  ["sccs", /\bStandard\s+Contractual\s+Clauses\b|\bSCCs?\b|2021\/914/i],
  ["uk_idta", /\bInternational\s+Data\s+Transfer\s+Agreement\b|\bIDTA\b/i],
  ["uk_addendum", /\bInternational\s+Data\s+Transfer\s+Addendum\b|\bUK\s+Addendum\b/i],
  ["adequacy", /\badequacy\s+decision\b|\badequate\s+level\s+of\s+protection\b/i],
  ["dpf", /\bData\s+Privacy\s+Framework\b/i],
  ["bcr", /\bBinding\s+Corporate\s+Rules\b/i],
];

/**
 * Reads a DPA or contract for the protections an AI vendor review needs: no training on
 * customer data (negations decide: "shall not use ... to train" commits, "may use ... to train"
 * permits), deletion or return at termination, breach notice normalised to hours, audit rights,
 * subprocessor notice and objection, residency and transfer mechanism, retention limits and a
 * BAA. Each clause is quoted with its page; what is missing becomes a finding.
 */
export function analyzeDpa(doc: DocumentText, options: DpaAnalysisOptions = {}): DpaAnalysis {
  const joined = joinPages(boundWhitespace(doc));
  if (joined.text.length > MAX_DPA_CHARS) {
    throw new AppError("INPUT_TOO_LARGE", `The contract text is longer than ${MAX_DPA_CHARS} characters.`, {
      details: { limit: MAX_DPA_CHARS, length: joined.text.length },
    });
  }
  const sentences = sentencesOf(joined);
  const first = <T>(pick: (s: string) => T | null): Extracted<T> | null => {
    for (const s of sentences) {
      const value = pick(s.text);
      if (value !== null) return fact(joined, s, value);
    }
    return null;
  };

  let training: Extracted<TrainingUse> | null = null;
  for (const s of sentences) {
    const use = classifyTraining(s.text);
    if (use === null) continue;
    // A permission anywhere outweighs a commitment elsewhere: the contract then allows training.
    if (
      training === null ||
      (training.value === "no" && use !== "no") ||
      (training.value === "opt_out_available" && use === "yes")
    ) {
      training = fact(joined, s, use);
    }
  }

  const notNegatedObligation =
    /\bnot\s+(?:be\s+)?(?:required|obliged|obligated|entitled|permitted)\b|\bno\s+right\b/i;
  const deletionAtTermination = first((s) =>
    /\b(?:delet\w*|eras\w*|destroy\w*|destruction|return\w*)\b/i.test(s) &&
    /\b(?:termination|expiry|expiration|end\s+of\s+the\s+(?:provision|Agreement|Services|term))\b/i.test(s) &&
    /\b(?:data|information|content)\b/i.test(s) &&
    !notNegatedObligation.test(s)
      ? "present"
      : null,
  );
  let breachNotification: Extracted<BreachNotice> | null = null;
  for (const s of sentences) {
    const notice = breachNotice(s.text);
    if (notice === null) continue;
    if (breachNotification === null || (breachNotification.value.hours === null && notice.hours !== null)) {
      breachNotification = fact(joined, s, notice);
    }
    if (notice.hours !== null) break;
  }
  const auditRights = first((s) =>
    /\baudits?\b|\binspections?\b/i.test(s) &&
    /\b(?:right|permit|allow\w*|submit\s+to|contribute\s+to|make\s+available|conduct\w*|may\s+audit)\b/i.test(
      s,
    ) &&
    !notNegatedObligation.test(s)
      ? "present"
      : null,
  );
  const subprocessorNotice =
    first((s) =>
      /\bsub-?processors?\b/i.test(s) && /\b(?:notice|notif\w*|inform\w*)\b/i.test(s) && !/\bobject/i.test(s)
        ? { days: daysIn(s) }
        : null,
    ) ??
    // A combined clause ("will notify ... and Customer may object") still gives notice, if a verb says so.
    first((s) =>
      /\bsub-?processors?\b/i.test(s) &&
      /\b(?:notif\w*|inform\w*|(?:give|provide|send)s?\s+(?:\w+\s+){0,3}notice)\b/i.test(s)
        ? { days: daysIn(s) }
        : null,
    );
  const subprocessorObjection = first((s) =>
    /\bobject(?:s|ion|ing)?\b/i.test(s) &&
    (/\bsub-?processors?\b/i.test(s) || /\bnew\s+(?:processor|vendor)/i.test(s))
      ? "present"
      : null,
  );
  const dataResidency = first((s) => {
    if (
      !/\b(?:stored|processed|hosted|located|resid\w*|remain\w*|kept)\b/i.test(s) ||
      !/\b(?:data|data\s+cent(?:er|re)s?|region)\b/i.test(s)
    )
      return null;
    if (/\btransfer\w*\b/i.test(s) && !/\b(?:stored|hosted|located)\b/i.test(s)) return null;
    const regions = REGIONS.filter(([, re]) => re.test(s)).map(([r]) => r);
    return regions.length > 0 ? regions : null;
  });
  const transferMechanisms: Extracted<TransferMechanism>[] = [];
  for (const [mechanism, re] of MECHANISMS) {
    const s = sentences.find((x) => re.test(x.text));
    if (s) transferMechanisms.push(fact(joined, s, mechanism));
  }
  const retentionLimit = first((s) => {
    if (/\bzero\s+data\s+retention\b|\b(?:shall|will|does)\s+not\s+(?:store|retain|log)\b/i.test(s))
      return { days: 0 };
    if (!/\b(?:retain\w*|retention|stored\s+for|kept\s+for|deleted\s+(?:within|after))\b/i.test(s))
      return null;
    if (/\bno\s+longer\s+than\s+(?:is\s+)?necessary\b/i.test(s)) return { days: daysIn(s) };
    const days = daysIn(s);
    return days === null ? null : { days };
  });
  const businessAssociateAgreement = first((s) =>
    /\bBusiness\s+Associate\s+(?:Agreement|Addendum)\b|\bBAA\b|\b45\s*C\.?F\.?R\.?\s*(?:Parts?\s*)?16[04]/i.test(
      s,
    )
      ? "present"
      : null,
  );

  const result: Omit<DpaAnalysis, "findings"> = {
    trainingUse: training?.value ?? "unknown",
    training,
    deletionAtTermination,
    breachNotification,
    auditRights,
    subprocessorNotice,
    subprocessorObjection,
    dataResidency,
    transferMechanisms,
    retentionLimit,
    businessAssociateAgreement,
  };
  return { ...result, findings: dpaFindings(result, options) };
}

function missing(
  rule: string,
  severity: EvidenceFinding["severity"],
  title: string,
  detail: string,
): EvidenceFinding {
  return { rule, severity, title, detail };
}

/** Decides the findings of a DPA analysis: each missing or weak protection, with its severity. */
export function dpaFindings(
  a: Omit<DpaAnalysis, "findings">,
  options: DpaAnalysisOptions = {},
): EvidenceFinding[] {
  const f: EvidenceFinding[] = [];
  if (a.training === null) {
    f.push(
      missing(
        "dpa.no_training_commitment_missing",
        "high",
        "No commitment against training on customer data",
        "The contract does not say that customer data, prompts or outputs will not be used to train or improve models.",
      ),
    );
  } else if (a.training.value === "yes") {
    f.push({
      rule: "dpa.training_permitted",
      severity: "high",
      title: "Contract permits training on customer data",
      detail: "The vendor may use customer data to train or improve its models.",
      page: a.training.page,
      quote: a.training.quote,
    });
  } else if (a.training.value === "opt_out_available") {
    f.push({
      rule: "dpa.training_opt_out",
      severity: "medium",
      title: "Training on customer data unless opted out",
      detail: "Customer data is used for training by default; confirm the opt-out is in place.",
      page: a.training.page,
      quote: a.training.quote,
    });
  }
  if (a.deletionAtTermination === null) {
    f.push(
      missing(
        "dpa.deletion_missing",
        "medium",
        "No deletion or return at termination",
        "The contract does not require the vendor to delete or return customer data when it ends.",
      ),
    );
  }
  if (a.breachNotification === null) {
    f.push(
      missing(
        "dpa.breach_notification_missing",
        "high",
        "No breach-notification commitment",
        "The contract sets no duty to notify the customer of a personal data breach.",
      ),
    );
  } else if (a.breachNotification.value.hours === null) {
    f.push({
      rule: "dpa.breach_notification_unbounded",
      severity: "medium",
      title: "Breach notice has no fixed period",
      detail: "The clause says 'without undue delay' or similar but sets no maximum number of hours.",
      page: a.breachNotification.page,
      quote: a.breachNotification.quote,
    });
  } else if (a.breachNotification.value.hours > BREACH_HOURS_LIMIT) {
    f.push({
      rule: "dpa.breach_notification_slow",
      severity: "medium",
      title: `Breach notice within ${a.breachNotification.value.hours} hours`,
      detail: `Longer than ${BREACH_HOURS_LIMIT} hours leaves no time for the customer's own notice to a supervisory authority (GDPR Art. 33).`,
      page: a.breachNotification.page,
      quote: a.breachNotification.quote,
    });
  }
  if (a.auditRights === null) {
    f.push(
      missing(
        "dpa.audit_rights_missing",
        "medium",
        "No audit rights",
        "The contract gives the customer no right to audit or inspect (GDPR Art. 28(3)(h)).",
      ),
    );
  }
  if (a.subprocessorNotice === null) {
    f.push(
      missing(
        "dpa.subprocessor_notice_missing",
        "medium",
        "No notice of new subprocessors",
        "The vendor need not tell the customer before adding subprocessors.",
      ),
    );
  }
  if (a.subprocessorObjection === null) {
    f.push(
      missing(
        "dpa.subprocessor_objection_missing",
        "low",
        "No right to object to subprocessors",
        "The customer cannot object to a new subprocessor.",
      ),
    );
  }
  if (a.transferMechanisms.length === 0) {
    f.push(
      missing(
        "dpa.transfer_mechanism_missing",
        "medium",
        "No transfer mechanism",
        "No Standard Contractual Clauses, adequacy decision, UK IDTA/Addendum or other mechanism is named for international transfers.",
      ),
    );
  }
  if (a.dataResidency === null) {
    f.push(
      missing(
        "dpa.residency_missing",
        "low",
        "No data residency commitment",
        "The contract does not say where customer data is stored or processed.",
      ),
    );
  }
  if (a.retentionLimit === null) {
    f.push(
      missing(
        "dpa.retention_missing",
        "low",
        "No retention limit",
        "The contract sets no limit on how long inputs, outputs or customer data are kept.",
      ),
    );
  }
  if (options.requireBaa && a.businessAssociateAgreement === null) {
    f.push(
      missing(
        "dpa.baa_missing",
        "high",
        "No Business Associate Agreement",
        "PHI is sent to this vendor but no BAA is referenced (HIPAA, 45 CFR 164.504(e)).",
      ),
    );
  }
  return f;
}
