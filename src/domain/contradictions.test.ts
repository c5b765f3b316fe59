/// <reference types="vite/client" />
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import bankYaml from "../../catalog/questions/ai-vendor-v1.yaml?raw";
import templatesYaml from "../../catalog/remediation/templates-v1.yaml?raw";
import weightsYaml from "../../catalog/scoring/weights-v1.yaml?raw";
import {
  CONTRADICTION_RULES,
  currentDocuments,
  DOCUMENT_RULE_DIMENSIONS,
  documentFindings,
  documentRuleId,
  type EvidenceDocument,
  evidenceFindings,
  findContradictions,
  type MonitoringFinding,
  monitoringFindings,
} from "./contradictions.ts";
import { FindingSchema } from "./findings.ts";
import {
  type Answer,
  type Answers,
  parseCustomQuestions,
  parseQuestionBank,
  selectQuestions,
} from "./question-bank.ts";
import { parseRemediationTemplates, planRemediation } from "./remediation.ts";
import { parseScoringWeights, scoreAssessment } from "./scoring.ts";

const questions = selectQuestions(parseQuestionBank(parse(bankYaml)), 3);
const AS_OF = "2026-11-22";
const ASSESSMENT = "11111111-2222-4333-8444-555555555555";

const hex = (c: string) => c.repeat(64);
const a = (value: Answer["value"], comment?: string): Answer =>
  comment === undefined ? { value } : { value, comment };

/** Answers that claim everything the documents below can contradict. */
function claims(): Answers {
  return { q01: a("type2_current"), q03: a("no"), q04: a("yes"), q05: a(24), q18: a("no") };
}

function soc2(
  overrides: Partial<EvidenceDocument> & { periodEnd?: string; type?: string } = {},
): EvidenceDocument {
  const { periodEnd = "2026-06-30", ...rest } = overrides;
  return {
    id: "doc-soc2",
    sha256: hex("a"),
    name: "Acme SOC 2 Type II 2026.pdf",
    type: "soc2_type2",
    date: "2026-08-01",
    uploadedAt: "2026-08-02T10:00:00.000Z",
    soc2: {
      reportType: {
        value: "type2",
        page: 3,
        quote: "throughout the period January 1, 2026 to June 30, 2026",
      },
      periodEnd: { value: periodEnd, page: 3, quote: `for the period ending ${periodEnd}` },
      opinion: { value: "unqualified", page: 4, quote: "in all material respects, fairly presented" },
      exceptions: [],
    },
    findings: [],
    ...rest,
  };
}

function dpa(
  overrides: Partial<EvidenceDocument> = {},
  contract: Partial<EvidenceDocument["contract"]> = {},
): EvidenceDocument {
  return {
    id: "doc-dpa",
    sha256: hex("b"),
    name: "Acme DPA.pdf",
    type: "dpa",
    date: "2026-03-01",
    uploadedAt: "2026-03-02T10:00:00.000Z",
    contract: {
      training: { value: "no", page: 2, quote: "Processor shall not use Customer Data to train any model." },
      breachNotice: { value: { hours: 24 }, page: 3, quote: "notify Customer within 24 hours" },
      ...contract,
    },
    findings: [],
    ...overrides,
  };
}

function certificate(validUntil: string, overrides: Partial<EvidenceDocument> = {}): EvidenceDocument {
  return {
    id: "doc-iso",
    sha256: hex("c"),
    name: "ISO 27001 certificate.pdf",
    type: "iso27001",
    date: "2023-03-10",
    uploadedAt: "2026-01-05T09:00:00.000Z",
    certificate: { validUntil: { value: validUntil, page: 1, quote: `Valid until: ${validUntil}` } },
    findings: [],
    ...overrides,
  };
}

function run(documents: EvidenceDocument[], answers: Answers = claims(), asOf = AS_OF) {
  return findContradictions({ questions, answers, documents, asOf });
}

const rules = (findings: { rule: string }[]) => findings.map((f) => f.rule).sort();

describe("findContradictions", () => {
  const cases: {
    name: string;
    documents: EvidenceDocument[];
    answers?: Answers;
    asOf?: string;
    expected: string[];
  }[] = [
    {
      name: "consistent evidence raises nothing",
      documents: [soc2(), dpa(), certificate("2028-03-09")],
      expected: [],
    },
    {
      name: "a period ended 20 months ago against “current”",
      documents: [soc2({ periodEnd: "2025-03-31" })],
      expected: ["contradiction_soc2_period"],
    },
    {
      name: "a period ended exactly 12 months ago is still current (boundary)",
      documents: [soc2({ periodEnd: "2025-11-22" })],
      expected: [],
    },
    {
      name: "one day past the 12 months is stale",
      documents: [soc2({ periodEnd: "2025-11-21" })],
      expected: ["contradiction_soc2_period"],
    },
    {
      name: "an old period is no contradiction when the answer admits it",
      documents: [soc2({ periodEnd: "2024-12-31" })],
      answers: { ...claims(), q01: a("type2_older") },
      expected: [],
    },
    {
      name: "a Type I report against a Type II claim",
      documents: [
        soc2({
          type: "soc2_type1",
          soc2: {
            reportType: { value: "type1", page: 2, quote: "as of June 30, 2026" },
            periodEnd: { value: "2026-06-30", page: 2, quote: "as of June 30, 2026" },
            opinion: { value: "unqualified", page: 3, quote: "fairly presented" },
            exceptions: [],
          },
        }),
      ],
      expected: ["contradiction_soc2_type"],
    },
    {
      name: "parsed exceptions against “no exceptions”",
      documents: [
        soc2({
          soc2: {
            ...(soc2().soc2 as NonNullable<EvidenceDocument["soc2"]>),
            exceptions: [
              { value: "2 of 25 terminations late", page: 17, quote: "For 2 of 25 terminated employees…" },
            ],
          },
        }),
      ],
      expected: ["contradiction_soc2_exceptions"],
    },
    {
      name: "a qualified opinion against “no”",
      documents: [
        soc2({
          soc2: {
            ...(soc2().soc2 as NonNullable<EvidenceDocument["soc2"]>),
            opinion: { value: "qualified", page: 4, quote: "except for the matter described" },
          },
        }),
      ],
      expected: ["contradiction_soc2_exceptions"],
    },
    {
      name: "exceptions the vendor admitted are no contradiction",
      documents: [
        soc2({
          soc2: {
            ...(soc2().soc2 as NonNullable<EvidenceDocument["soc2"]>),
            exceptions: [{ value: "late removal", page: 17, quote: "For 2 of 25…" }],
          },
        }),
      ],
      answers: { ...claims(), q03: a("yes", "Two exceptions on access removal, fixed by automation in Q3.") },
      expected: [],
    },
    {
      name: "a DPA permitting training against “no training”",
      documents: [
        dpa({}, { training: { value: "yes", page: 2, quote: "Processor may use Customer Data to train" } }),
      ],
      expected: ["contradiction_dpa_training"],
    },
    {
      name: "a DPA training unless opted out against “no training”",
      documents: [
        dpa({}, { training: { value: "opt_out_available", page: 2, quote: "unless Customer opts out" } }),
      ],
      expected: ["contradiction_dpa_training"],
    },
    {
      name: "a DPA without the no-training clause",
      documents: [dpa({}, { training: null })],
      expected: ["contradiction_dpa_training"],
    },
    {
      name: "a missing clause is covered by a no-training confirmation on file",
      documents: [
        dpa({}, { training: null }),
        { ...dpa(), id: "conf", sha256: hex("d"), type: "no_training_confirmation", contract: undefined },
      ],
      expected: [],
    },
    {
      name: "a permissive DPA is fine when the vendor admits training",
      documents: [dpa({}, { training: { value: "yes", page: 2, quote: "may use Customer Data to train" } })],
      answers: { ...claims(), q18: a("yes", "Prompts improve our models unless you opt out.") },
      expected: [],
    },
    {
      name: "a 72-hour clause against a 24-hour answer",
      documents: [dpa({}, { breachNotice: { value: { hours: 72 }, page: 3, quote: "within 72 hours" } })],
      expected: ["contradiction_breach_notice"],
    },
    {
      name: "a clause equal to the answer is consistent",
      documents: [dpa({}, { breachNotice: { value: { hours: 24 }, page: 3, quote: "within 24 hours" } })],
      expected: [],
    },
    {
      name: "a clause without a fixed period is not a number to compare",
      documents: [
        dpa({}, { breachNotice: { value: { hours: null }, page: 3, quote: "without undue delay" } }),
      ],
      expected: [],
    },
    {
      name: "an expired ISO 27001 certificate against “certified”",
      documents: [certificate("2026-03-09")],
      expected: ["contradiction_certificate_expired"],
    },
    {
      name: "a certificate valid through today is not expired (boundary)",
      documents: [certificate(AS_OF)],
      expected: [],
    },
    {
      name: "an expired certificate replaced by a renewed one raises nothing",
      documents: [
        certificate("2026-03-09"),
        certificate("2029-03-09", { id: "doc-iso-new", sha256: hex("e"), date: "2026-03-10" }),
      ],
      expected: [],
    },
    {
      name: "an expired ISO 42001 certificate counts too",
      documents: [certificate("2025-12-31", { type: "iso42001", name: "ISO 42001.pdf" })],
      expected: ["contradiction_certificate_expired"],
    },
    {
      name: "a stale older report replaced by a current one raises nothing",
      documents: [
        soc2({ periodEnd: "2024-06-30", date: "2024-08-01", id: "old", sha256: hex("1") }),
        soc2({ periodEnd: "2026-06-30", date: "2026-08-01", id: "new", sha256: hex("2") }),
      ],
      expected: [],
    },
    {
      name: "unanswered questions contradict nothing",
      documents: [soc2({ periodEnd: "2024-06-30" }), dpa({}, { training: null }), certificate("2025-01-01")],
      answers: {},
      expected: [],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const found = run(c.documents, c.answers, c.asOf);
      expect(rules(found)).toEqual(c.expected);
      for (const f of found) {
        expect(FindingSchema.safeParse(f).success).toBe(true);
        expect(f.kind).toBe("contradiction");
        expect(f.evidence.some((e) => e.kind === "answer")).toBe(true);
        expect(f.evidence.some((e) => e.kind === "document")).toBe(true);
      }
    });
  }

  it("quotes both sides: the answer with its question, the document with name, hash, page and text", () => {
    const [f] = run([soc2({ periodEnd: "2025-03-31" })]);
    expect(f?.questionIds).toEqual(["q01"]);
    expect(f?.dimension).toBe("infrastructure");
    expect(f?.evidence).toEqual([
      {
        kind: "answer",
        questionId: "q01",
        questionText: questions.find((q) => q.id === "q01")?.text,
        quote: "Type II, period ended within the last 12 months",
      },
      {
        kind: "document",
        documentSha256: hex("a"),
        documentName: "Acme SOC 2 Type II 2026.pdf",
        location: "page 3",
        quote: "for the period ending 2025-03-31",
      },
    ]);
    expect(f?.explanation).toContain("2025-03-31");
  });

  it("names both numbers of a breach-window contradiction and grades it against GDPR's 72 hours", () => {
    const slow = run([
      dpa({}, { breachNotice: { value: { hours: 96 }, page: 3, quote: "within 96 hours" } }),
    ]);
    expect(slow[0]?.title).toContain("24 hours");
    expect(slow[0]?.title).toContain("96");
    expect(slow[0]?.severity).toBe("high");
    const within = run([
      dpa({}, { breachNotice: { value: { hours: 48 }, page: 3, quote: "within 48 hours" } }),
    ]);
    expect(within[0]?.severity).toBe("medium");
    expect(within[0]?.dimension).toBe("governance");
  });

  it("rates a contract that permits training as critical, in the data dimension", () => {
    const [f] = run([
      dpa({}, { training: { value: "yes", page: 2, quote: "may use Customer Data to train" } }),
    ]);
    expect(f?.severity).toBe("critical");
    expect(f?.dimension).toBe("data");
  });

  it("ignores custom questions, even one asking the same thing", () => {
    const custom = parseCustomQuestions([
      {
        id: "c-soc2",
        section: "A",
        text: "Do you hold a current SOC 2 Type II report covering the service we would use?",
        answerType: "single_choice",
        options: [
          { value: "type2_current", label: "current" },
          { value: "none", label: "none" },
        ],
        dimension: "infrastructure",
        tiers: [3],
      },
    ]);
    const found = findContradictions({
      questions: [...questions.filter((q) => q.id !== "q01"), ...custom],
      answers: { "c-soc2": a("type2_current") },
      documents: [soc2({ periodEnd: "2024-01-31" })],
      asOf: AS_OF,
    });
    expect(found).toEqual([]);
  });

  it("gives the same ids when the documents arrive in another order", () => {
    const docs = [
      soc2({ periodEnd: "2024-01-31" }),
      dpa({}, { training: null, breachNotice: { value: { hours: 72 }, page: 3, quote: "72 hours" } }),
      certificate("2025-01-01"),
    ];
    const ids = run(docs).map((f) => f.id);
    expect(ids).toHaveLength(4);
    expect(run([...docs].reverse()).map((f) => f.id)).toEqual(ids);
  });

  it("documents every rule it can raise", () => {
    expect(Object.keys(CONTRADICTION_RULES).sort()).toEqual([
      "contradiction_breach_notice",
      "contradiction_certificate_expired",
      "contradiction_dpa_training",
      "contradiction_soc2_exceptions",
      "contradiction_soc2_period",
      "contradiction_soc2_type",
    ]);
  });
});

describe("currentDocuments", () => {
  it("keeps the newest of a family and one copy of the same bytes; model cards never supersede", () => {
    const older = soc2({ id: "t1", sha256: hex("1"), type: "soc2_type1", date: "2025-01-01" });
    const newer = soc2({ id: "t2", sha256: hex("2"), date: "2026-01-01" });
    const copy = { ...newer, id: "t2-copy", uploadedAt: "2026-09-01T00:00:00.000Z" };
    const cardA = { ...dpa(), id: "card-a", sha256: hex("3"), type: "model_card", contract: undefined };
    const cardB = { ...cardA, id: "card-b", sha256: hex("4") };
    const ids = currentDocuments([older, newer, copy, cardA, cardB]).map((d) => d.id);
    expect(ids).toContain("card-a");
    expect(ids).toContain("card-b");
    expect(ids).not.toContain("t1");
    expect(ids.filter((id) => id.startsWith("t2"))).toHaveLength(1);
  });

  it("breaks a tie of dates by the later upload", () => {
    const first = dpa({ id: "first", sha256: hex("5"), uploadedAt: "2026-03-02T10:00:00.000Z" });
    const second = dpa({ id: "second", sha256: hex("6"), uploadedAt: "2026-03-02T11:00:00.000Z" });
    expect(currentDocuments([first, second]).map((d) => d.id)).toEqual(["second"]);
  });
});

describe("documentFindings", () => {
  const stale = soc2({
    periodEnd: "2024-06-30",
    findings: [
      {
        rule: "soc2.stale_period",
        severity: "high",
        title: "Report period ended more than 12 months ago",
        detail: "…",
        page: 3,
        quote: "ending June 30, 2024",
      },
      {
        rule: "soc2.exception",
        severity: "medium",
        title: "Exception noted",
        detail: "late",
        page: 17,
        quote: "For 2 of 25",
      },
      {
        rule: "soc2.exception",
        severity: "medium",
        title: "Exception noted",
        detail: "review",
        page: 18,
        quote: "For 1 of 40",
      },
    ],
  });
  const contract = dpa({
    findings: [
      {
        rule: "dpa.breach_notification_slow",
        severity: "medium",
        title: "Breach notice within 96 hours",
        detail: "…",
        page: 3,
        quote: "within 96 hours",
      },
      { rule: "dpa.retention_missing", severity: "low", title: "No retention limit", detail: "No limit." },
    ],
  });

  it("turns each reader finding into a document finding with its dimension, quote and a unique stable id", () => {
    const found = documentFindings([stale, contract]);
    expect(found.map((f) => [f.rule, f.dimension])).toEqual([
      ["soc2_stale_period", "infrastructure"],
      ["dpa_breach_notification_slow", "governance"],
      ["soc2_exception", "infrastructure"],
      ["soc2_exception", "infrastructure"],
      ["dpa_retention_missing", "data"],
    ]);
    expect(new Set(found.map((f) => f.id)).size).toBe(found.length);
    for (const f of found) expect(FindingSchema.safeParse(f).success).toBe(true);
    expect(found[0]?.evidence).toEqual([
      {
        kind: "document",
        documentSha256: hex("a"),
        documentName: stale.name,
        location: "page 3",
        quote: "ending June 30, 2024",
      },
    ]);
    expect(documentFindings([contract, stale]).map((f) => f.id)).toEqual(found.map((f) => f.id));
  });

  it("raises nothing for a superseded document or a second copy of the same bytes", () => {
    const renewed = soc2({ id: "renewed", sha256: hex("9"), date: "2026-09-01", findings: [] });
    expect(documentFindings([stale, renewed])).toEqual([]);
    expect(documentFindings([stale, { ...stale, id: "copy" }])).toHaveLength(3);
  });

  it("maps every reader to a dimension through data, exact rule before reader", () => {
    expect(DOCUMENT_RULE_DIMENSIONS.dpa).toBe("data");
    expect(DOCUMENT_RULE_DIMENSIONS["dpa.audit_rights_missing"]).toBe("governance");
    const card = {
      ...dpa(),
      type: "model_card",
      findings: [{ rule: "modelcard.no_documentation", severity: "high" as const, title: "x", detail: "y" }],
    };
    expect(documentFindings([card])[0]?.dimension).toBe("model");
  });
});

describe("monitoringFindings", () => {
  const row = (over: Partial<MonitoringFinding>): MonitoringFinding => ({
    id: "7f0b7d38-0000-4000-8000-000000000001",
    source: "usage",
    rule: "undeclared_data_class",
    severity: "high",
    title: "pii sent to Acme, which no integration declares",
    detail: "12 requests to Acme contained pii.",
    evidence: { vendor: "acme", dataClass: "pii", requests: 12 },
    ...over,
  });

  it("turns usage rows into usage findings (data) and model scans into model findings, quoted as observations", () => {
    const found = monitoringFindings(
      [
        row({}),
        row({
          id: "7f0b7d38-0000-4000-8000-000000000002",
          source: "model_scan",
          rule: "model_file_dangerous",
          severity: "critical",
          title: "Unsafe pickle in model.bin",
          detail: "GLOBAL os.system",
          evidence: { artifactName: "acme/tiny", path: "model.bin", files: [1, 2] },
        }),
      ],
      ASSESSMENT,
    );
    expect(found.map((f) => [f.rule, f.kind, f.dimension, f.severity])).toEqual([
      ["model_scan_model_file_dangerous", "document", "model", "critical"],
      ["usage_undeclared_data_class", "usage", "data", "high"],
    ]);
    expect(found[1]?.evidence).toEqual([
      {
        kind: "observation",
        source: "AI usage monitoring",
        quote: "12 requests to Acme contained pii. (vendor: acme, dataClass: pii, requests: 12)",
      },
    ]);
    expect(found[0]?.evidence[0]?.quote).toBe("GLOBAL os.system (artifactName: acme/tiny, path: model.bin)");
    for (const f of found) expect(FindingSchema.safeParse(f).success).toBe(true);
  });

  it("skips rows tied to another assessment and sources it does not know", () => {
    const found = monitoringFindings(
      [
        row({ evidence: { assessmentId: "another" } }),
        row({ id: "x2", evidence: { assessmentId: ASSESSMENT } }),
        row({ id: "x3", source: "watcher" }),
      ],
      ASSESSMENT,
    );
    expect(found.map((f) => f.id)).toEqual(["usage_undeclared_data_class:x2"]);
  });
});

describe("evidenceFindings", () => {
  it("combines contradictions, document findings and monitoring findings, most severe first", () => {
    const found = evidenceFindings({
      questions,
      answers: claims(),
      asOf: AS_OF,
      assessmentId: ASSESSMENT,
      documents: [
        dpa(
          {
            findings: [
              { rule: "dpa.retention_missing", severity: "low", title: "No retention limit", detail: "…" },
            ],
          },
          { training: { value: "yes", page: 2, quote: "may train" } },
        ),
      ],
      monitoring: [
        {
          id: "r1",
          source: "usage",
          rule: "shadow_ai",
          severity: "high",
          title: "Shadow AI",
          detail: "",
          evidence: {},
        },
      ],
    });
    expect(found.map((f) => f.kind)).toEqual(["contradiction", "usage", "document"]);
  });
});

describe("regression: a reader rule named like an Object method", () => {
  it("gets the default dimension instead of Object.prototype's function", () => {
    const doc = {
      ...dpa(),
      type: "constructor",
      findings: [{ rule: "toString", severity: "low" as const, title: "t", detail: "d" }],
    };
    const [f] = documentFindings([doc, { ...doc, id: "again", sha256: hex("f") }]);
    expect(f?.dimension).toBe("governance");
    expect(documentFindings([doc, { ...doc, id: "again", sha256: hex("f") }])).toHaveLength(2);
  });
});

describe("documentRuleId (property)", () => {
  it("always gives a valid finding rule id", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (raw) => {
        expect(documentRuleId(raw)).toMatch(/^[a-z][a-z0-9_]*$/);
      }),
    );
  });

  it("keeps every finding valid whatever a reader wrote", () => {
    const severities = fc.constantFrom("info", "low", "medium", "high", "critical");
    const finding = fc.record({
      rule: fc.string({ minLength: 1, maxLength: 40 }),
      severity: severities,
      title: fc.string({ minLength: 1, maxLength: 400 }),
      detail: fc.string({ maxLength: 5000 }),
      page: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
      quote: fc.option(fc.string({ maxLength: 3000 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(finding, { maxLength: 8 }),
        fc.string({ minLength: 1, maxLength: 600 }),
        (findings, name) => {
          for (const f of documentFindings([{ ...dpa(), name, findings }])) {
            expect(FindingSchema.safeParse(f).success).toBe(true);
          }
        },
      ),
    );
  });
});

describe("remediation of evidence findings", () => {
  const templates = parseRemediationTemplates(parse(templatesYaml));
  const decidedOn = "2026-11-23";

  it("plans every contradiction rule", () => {
    const matched = new Set(templates.templates.flatMap((t) => t.match.map((m) => m.rule)));
    for (const rule of Object.keys(CONTRADICTION_RULES)) expect(matched.has(rule), rule).toBe(true);
  });

  it.each([
    {
      docs: () => [soc2({ periodEnd: "2024-06-30" })],
      template: "soc2_bridge_letter",
      dueDate: "2026-12-23",
    },
    { docs: () => [dpa({}, { training: null })], template: "no_training_amendment", dueDate: "2026-12-23" },
    {
      docs: () => [dpa({}, { breachNotice: { value: { hours: 72 }, page: 3, quote: "72 hours" } })],
      template: "breach_notice_alignment",
      dueDate: "2026-12-23",
    },
    { docs: () => [certificate("2025-01-01")], template: "current_iso_certificate", dueDate: "2026-12-23" },
  ])("turns the contradiction into $template due $dueDate", ({ docs, template, dueDate }) => {
    const findings = run(docs());
    expect(findings).toHaveLength(1);
    const plan = planRemediation({ findings, templates, decidedOn });
    expect(plan.unmatched).toEqual([]);
    expect(plan.items.map((i) => [i.templateId, i.dueDate])).toEqual([[template, dueDate]]);
  });

  it("plans the monitoring findings of usage logs and model scans", () => {
    const rows: MonitoringFinding[] = [
      ["usage", "shadow_ai"],
      ["usage", "undeclared_data_class"],
      ["usage", "model_version_new"],
      ["model_scan", "model_file_dangerous"],
      ["model_scan", "model_integrity_mismatch"],
      ["model_scan", "model_card_missing"],
    ].map(([source = "", rule = ""], i) => ({
      id: `row-${i}`,
      source,
      rule,
      severity: "high",
      title: rule,
      detail: rule,
      evidence: {},
    }));
    const plan = planRemediation({ findings: monitoringFindings(rows, ASSESSMENT), templates, decidedOn });
    expect(plan.unmatched).toEqual([]);
    expect(plan.items.find((i) => i.templateId === "unsafe_model_file")?.blocking).toBe(true);
  });

  it("plans the reader findings of SOC 2 reports, DPAs and certificates", () => {
    const readerRules = [
      "soc2.stale_period",
      "soc2.bridge_letter_needed",
      "soc2.exception",
      "soc2.type1_only",
      "soc2.opinion_qualified",
      "dpa.no_training_commitment_missing",
      "dpa.training_permitted",
      "dpa.breach_notification_slow",
      "dpa.audit_rights_missing",
      "certificate.expired",
      "modelcard.no_documentation",
    ];
    const findings = documentFindings([
      {
        ...dpa(),
        type: "other",
        findings: readerRules.map((rule) => ({
          rule,
          severity: "medium" as const,
          title: rule,
          detail: rule,
        })),
      },
    ]);
    expect(planRemediation({ findings, templates, decidedOn }).unmatched.map((f) => f.rule)).toEqual([]);
  });
});

describe("scoring of evidence findings", () => {
  const weights = parseScoringWeights(parse(weightsYaml));
  const score = (findings: ReturnType<typeof run>) =>
    scoreAssessment({ questions: [], answers: {}, findings, weights });

  it("a critical contradiction adds 2 to its dimension and floors the overall score at 4", () => {
    const findings = run([dpa({}, { training: { value: "yes", page: 2, quote: "may train" } })]);
    const scored = score(findings);
    expect(scored.dimensions.find((d) => d.dimension === "data")?.score).toBe(3);
    expect(scored.overall.score).toBe(4);
  });

  it("every kind evidence produces has a weight above zero", () => {
    const found = evidenceFindings({
      questions,
      answers: claims(),
      asOf: AS_OF,
      assessmentId: ASSESSMENT,
      documents: [
        soc2({
          periodEnd: "2024-01-31",
          findings: [{ rule: "soc2.stale_period", severity: "high", title: "t", detail: "d" }],
        }),
      ],
      monitoring: [
        {
          id: "r",
          source: "usage",
          rule: "residency",
          severity: "high",
          title: "t",
          detail: "d",
          evidence: {},
        },
      ],
    });
    expect(new Set(found.map((f) => f.kind))).toEqual(new Set(["contradiction", "document", "usage"]));
    for (const f of found) expect(weights.kindMultiplier[f.kind]).toBeGreaterThan(0);
    expect(score(found).dimensions.find((d) => d.dimension === "infrastructure")?.score).toBe(3);
  });
});
