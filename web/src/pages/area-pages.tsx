import { EmptyState, PageHeader } from "../components/ui";

// The lifecycle areas. Each starts empty on a fresh installation and says what it will hold, so a
// newcomer sees the shape of the product before any data exists.

const AREAS = {
  assessments: {
    title: "Assessments",
    description:
      "AI-specific questionnaires sent to vendors, their answers, red flags, scores and decisions.",
    empty: "No assessments yet.",
  },
  evidence: {
    title: "Evidence",
    description:
      "SOC 2 reports, certificates, DPAs and model cards, read by machine with quotes back to the page.",
    empty: "No documents uploaded yet.",
  },
  usage: {
    title: "Usage",
    description:
      "AI traffic from gateway and proxy logs: which data classes went to which vendor, and shadow AI.",
    empty: "No usage logs ingested yet.",
  },
  monitoring: {
    title: "Monitoring",
    description: "Reassessment schedule, document expiry, watched vendor pages and incidents.",
    empty: "Nothing is being monitored yet.",
  },
  auditPack: {
    title: "Audit pack",
    description:
      "One export that answers what a SOC 2 auditor asks about AI vendors, with a manifest of SHA-256 hashes.",
    empty: "The audit pack draws on the inventory, assessments and evidence; none exist yet.",
  },
} as const;

export function AreaPage({ area }: { area: keyof typeof AREAS }) {
  const { title, description, empty } = AREAS[area];
  return (
    <>
      <PageHeader title={title} description={description} />
      <EmptyState title={empty}>This workspace is new.</EmptyState>
    </>
  );
}
