import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAppError } from "../../domain/errors.ts";
import { cardIssuerKnown, createClassifier, luhnValid, shannonEntropy, ssnValid } from "./detectors.ts";
import type { DetectionKind } from "./types.ts";

const classify = createClassifier();
const kindsOf = (text: string): DetectionKind[] => [...new Set(classify(text).map((d) => d.kind))].sort();

/** Appends the Luhn check digit to a digit string. */
function withLuhn(body: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(body + d)) return body + d;
  throw new Error("unreachable");
}

describe("classifier table", () => {
  const cases: Array<[string, string, DetectionKind[]]> = [
    ["plain prose", "Summarise the quarterly roadmap in three bullet points.", []],
    ["email", "Reply to jane.doe+billing@example.co.uk about the invoice", ["email"]],
    ["image name is not an email", "use the asset logo@2x.png in the header", []],
    ["spelled-out email", "write to jane.doe at example dot co dot uk please", ["email"]],
    ["prose with at and dot is not an email", "look at the dot product at the end", []],
    ["formatted US phone", "Call me at (415) 555-2671 tomorrow", ["phone"]],
    ["international phone", "Her number is +44 20 7946 0958.", ["phone"]],
    ["bare digits without context are not a phone", "order 4155552671 shipped", []],
    [
      "visa card with spaces",
      `Charge card ${withLuhn("453914880343646").replace(/(\d{4})(?=\d)/g, "$1 ")}`,
      ["payment_card"],
    ],
    ["card failing Luhn", "Charge card 4111 1111 1111 1112 please", []],
    ["Luhn-valid digits outside any issuer range", `ref ${withLuhn("999999999999999")}`, []],
    ["IBAN", "Wire it to DE89 3704 0044 0532 0130 00 today", ["iban"]],
    ["IBAN compact", "IBAN GB82WEST12345698765432", ["iban"]],
    ["IBAN failing mod-97", "Wire it to DE89 3704 0044 0532 0130 01 today", []],
    ["SSN", "SSN 536-22-1234 on file", ["us_ssn"]],
    ["SSN area 000", "SSN 000-22-1234 on file", []],
    ["SSN area 666", "SSN 666-22-1234 on file", []],
    ["SSN area 9xx", "SSN 912-22-1234 on file", []],
    ["SSN group 00", "SSN 536-00-1234 on file", []],
    ["SSN serial 0000", "SSN 536-22-0000 on file", []],
    ["bare SSN with context", "social security number 536221234", ["us_ssn"]],
    ["IPv4", "the server at 81.20.30.40 is down", ["ip_address"]],
    ["private IPv4 names no person", "the router at 192.168.0.1 and 10.0.0.7", []],
    ["published test card", "use 4242 4242 4242 4242 in test mode", []],
    ["fictional 555-01xx number", "Call (212) 555-0147 for the demo", []],
    ["diagnostic code in a build log", "The patient portal shows diagnostic code E42 in the log", []],
    ["key phrased in prose", "the api key is q8ZrT2vLw9XkP4mN7bC1dF6hJ3sY0aE5", ["high_entropy_secret"]],
    ["lower-case IBAN", "iban gb82west12345698765432 please", ["iban"]],
    ["password placeholder word", "set password: hidden in the docs", []],
    ["version number is not an IP", "upgrade to version 1.2.3.4 now", []],
    ["out of range IPv4", "value 300.1.1.1 seen", []],
    ["IPv6", "connect to 2001:db8::8a2e:370:7334 over v6", ["ip_address"]],
    ["time is not IPv6", "meeting at 12:30:45 sharp", []],
    ["date is not a phone", "released on 2024-08-06 in the EU", []],
    ["UUID is not a secret", "token id 123e4567-e89b-12d3-a456-426614174000 is fine", []],
    ["AWS key", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", ["api_key"]],
    ["GitHub token", `token ghp_${"a1B2c3D4e5".repeat(3)}a1B2c3`, ["api_key"]],
    ["OpenAI project key", `use sk-proj-${"Ab3dE6gH9jK2mN5pQ8sT".repeat(3)}`, ["api_key"]],
    ["Anthropic key", `key sk-ant-api03-${"Zx9_Yw8-Vu7".repeat(9)}`, ["api_key"]],
    ["Stripe live key", `sk_live_${"4eC39HqLyjWDarjtT1zdp7dc"}`, ["api_key"]],
    ["Google API key", `AIza${"SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"}`, ["api_key"]],
    ["private key block", "-----BEGIN RSA PRIVATE KEY-----\nMIIE...", ["private_key"]],
    [
      "JWT",
      "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
      ["jwt"],
    ],
    ["generic secret", 'client_secret: "q8ZrT2vLw9XkP4mN7bC1dF6hJ3sY0aE5"', ["high_entropy_secret"]],
    ["password assignment", "login with password=Tr0ub4dor&3 then", ["password"]],
    ["password placeholder", "set password=******** in the form", []],
    ["MRN", "Patient MRN: 00123456 was admitted", ["medical_record_number"]],
    ["ICD-10 in context", "Diagnosis code E11.9 for the patient", ["icd10_code"]],
    ["drug in patient context", "The patient was prescribed metformin 500 mg", ["medical_term"]],
    ["drug without patient context", "Explain how metformin works in general", []],
    ["business chart about a drug", "Create a chart of insulin sales by region", []],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => {
      expect(kindsOf(text)).toEqual([...expected].sort());
    });
  }
});

describe("classifier output", () => {
  it("counts repeated matches and never returns the matched text", () => {
    const text = "a@example.com, b@example.com and c@example.org";
    const detections = classify(text);
    expect(detections).toEqual([
      { kind: "email", dataClass: "pii", count: 3, confidence: 0.95, rule: "email" },
    ]);
    expect(JSON.stringify(detections)).not.toContain("example");
  });

  it("gives masked excerpts only on request", () => {
    const withExcerpts = createClassifier({ excerpts: true });
    const [d] = withExcerpts("Please email jane@example.com about it 42");
    expect(d?.excerpts?.[0]).toBe("Please email [email] about it ##");
    expect(d?.excerpts?.join("")).not.toContain("jane");
  });

  it("applies custom patterns with their own class and confidence", () => {
    const c = createClassifier({
      customPatterns: [
        { name: "employee_id", pattern: "EMP-\\d{6}", dataClass: "internal", confidence: 0.9 },
      ],
    });
    expect(c("ticket for EMP-123456 and EMP-654321")).toEqual([
      { kind: "custom", dataClass: "internal", count: 2, confidence: 0.9, rule: "employee_id" },
    ]);
  });

  it("rejects custom patterns that are invalid or match nothing-width", () => {
    for (const pattern of ["(", "a*"]) {
      try {
        createClassifier({
          customPatterns: [{ name: "bad", pattern, dataClass: "internal", confidence: 0.5 }],
        });
        expect.unreachable();
      } catch (error) {
        expect(isAppError(error, "VALIDATION_FAILED")).toBe(true);
      }
    }
  });

  it("stays linear on hostile input (long runs after keywords, digits and separators)", () => {
    const hostile = [
      `api_key${" ".repeat(200_000)}!`,
      `password${" ".repeat(200_000)}`,
      `1${".".repeat(200_000)}`,
      `${"1 ".repeat(100_000)}x`,
      `${"a".repeat(100_000)}@${"b".repeat(100_000)}`,
      `sk-${"A".repeat(200_000)}_`,
      `patient diagnosis ${"E11.9 ".repeat(20_000)}`,
      "::".repeat(100_000),
      `patient MRN ${" ".repeat(100_000)}`,
      "DE89 ".repeat(50_000),
      `xoxb-${"1-".repeat(50_000)}`,
      `eyJ${"a".repeat(100_000)}.eyJ${"b".repeat(100_000)}`,
    ];
    const start = performance.now();
    for (const text of hostile) classify(text);
    expect(performance.now() - start).toBeLessThan(5_000);
  });

  it("stays linear on long repetitions of any mix of trigger fragments", () => {
    const fragments = [
      " ",
      "1",
      "12",
      "-",
      ".",
      ":",
      "::",
      "@",
      "a",
      "_",
      "=",
      '"',
      "(",
      "+",
      "key",
      "password",
      "MRN",
    ].concat([
      "patient",
      "diagnosis",
      "icd",
      "sk-",
      "AKIA",
      "eyJ",
      "xoxb-",
      "ghp_",
      "DE89",
      "#",
      "/",
      "\n",
      "is ",
    ]);
    const c = createClassifier({ excerpts: true });
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...fragments), { minLength: 1, maxLength: 3 }),
        fc.array(fc.constantFrom(...fragments), { minLength: 1, maxLength: 4 }),
        (prefix, motif) => {
          const unit = motif.join("");
          const text = prefix.join("") + unit.repeat(Math.ceil(60_000 / unit.length));
          const start = performance.now();
          c(text);
          expect(performance.now() - start).toBeLessThan(1_000);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("drops detections below the configured confidence", () => {
    const strict = createClassifier({ minConfidence: 0.9 });
    expect(strict("The patient was prescribed metformin")).toEqual([]);
  });
});

describe("validators", () => {
  it("Luhn accepts generated check digits and rejects any single-digit change", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{12,18}$/),
        fc.nat(17),
        fc.integer({ min: 1, max: 9 }),
        (body, pos, delta) => {
          const valid = withLuhn(body);
          expect(luhnValid(valid)).toBe(true);
          const i = pos % valid.length;
          const changed = valid.slice(0, i) + ((Number(valid[i]) + delta) % 10) + valid.slice(i + 1);
          expect(luhnValid(changed)).toBe(false);
        },
      ),
    );
  });

  it("SSN rules reject every invalid area, group and serial", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 9999 }),
        (a, g, s) => {
          const digits = `${a}`.padStart(3, "0") + `${g}`.padStart(2, "0") + `${s}`.padStart(4, "0");
          const expected = a !== 0 && a !== 666 && a < 900 && g !== 0 && s !== 0 && digits !== "123456789";
          expect(ssnValid(digits)).toBe(expected);
        },
      ),
    );
  });

  it("knows the main card issuer ranges", () => {
    expect(cardIssuerKnown("4111111111111111")).toBe(true);
    expect(cardIssuerKnown("5500000000000004")).toBe(true);
    expect(cardIssuerKnown("378282246310005")).toBe(true);
    expect(cardIssuerKnown("37828224631000")).toBe(false);
    expect(cardIssuerKnown("9111111111111111")).toBe(false);
  });

  it("entropy is zero for one repeated character and log2(n) for n distinct ones", () => {
    expect(shannonEntropy("aaaa")).toBe(0);
    expect(shannonEntropy("abcd")).toBeCloseTo(2);
  });

  it("never throws and never reports text on arbitrary input", () => {
    const c = createClassifier({ excerpts: false });
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const detections = c(text);
        for (const d of detections) {
          expect(d.count).toBeGreaterThan(0);
          expect(d.confidence).toBeGreaterThanOrEqual(0.5);
          expect(d.confidence).toBeLessThanOrEqual(1);
          expect(d.excerpts).toBeUndefined();
        }
      }),
      { numRuns: 300 },
    );
  });
});
