/**
 * The one-page vendor summary as a PDF (pdfkit): one A4 page of real text, so it can be searched,
 * copied and read by the audit-pack tooling. Every list is cut to the space it has, ending in
 * "and N more", so a vendor with hundreds of integrations still fits one page.
 */
import PDFDocument from "pdfkit";
import { AppError } from "../../domain/errors.ts";
import type { VendorSummary } from "../../domain/vendor-summary.ts";

type Pdf = InstanceType<typeof PDFDocument>;

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 40;
const BOTTOM = A4.height - MARGIN - 18;
const INK = "#202124";
const MUTED = "#5f6368";
const RED = "#b3261e";
const TIER_COLOURS: Readonly<Record<1 | 2 | 3, string>> = { 1: "#1e8e3e", 2: "#e37400", 3: "#b3261e" };

/** WinAnsi extras the standard PDF fonts can show beyond Latin-1. */
const WIN_ANSI_EXTRAS = new Set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ");

/** Text the built-in Helvetica can draw: other characters become "?", control characters spaces. */
export function pdfSafeText(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += " ";
    else if (code <= 0xff || WIN_ANSI_EXTRAS.has(ch)) out += ch;
    else out += "?";
  }
  return out;
}

function clip(text: string, max: number): string {
  const safe = pdfSafeText(text).replace(/\s+/g, " ").trim();
  return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe;
}

/** A column of the page that text flows down, never past its bottom. */
class Column {
  private readonly doc: Pdf;
  readonly x: number;
  readonly width: number;
  readonly bottom: number;
  y: number;

  constructor(doc: Pdf, x: number, width: number, y: number, bottom: number) {
    this.doc = doc;
    this.x = x;
    this.width = width;
    this.y = y;
    this.bottom = bottom;
  }

  private height(text: string, size: number, bold: boolean): number {
    this.doc.font(bold ? "Helvetica-Bold" : "Helvetica").fontSize(size);
    return this.doc.heightOfString(text, { width: this.width });
  }

  fits(text: string, size = 9, bold = false, reserve = 0): boolean {
    return this.y + this.height(text, size, bold) + reserve <= this.bottom;
  }

  write(
    text: string,
    options: { size?: number; bold?: boolean; colour?: string; gap?: number } = {},
  ): boolean {
    const size = options.size ?? 9;
    const bold = options.bold ?? false;
    if (!this.fits(text, size, bold)) return false;
    const h = this.height(text, size, bold);
    this.doc
      .fillColor(options.colour ?? INK)
      .text(text, this.x, this.y, { width: this.width, lineBreak: true });
    this.y += h + (options.gap ?? 1.5);
    return true;
  }

  heading(text: string): boolean {
    // Keep a heading with at least one line under it.
    if (!this.fits(text, 11, true, 14)) return false;
    this.y += 5;
    this.write(text, { size: 11, bold: true, gap: 3 });
    this.doc
      .moveTo(this.x, this.y - 1.5)
      .lineTo(this.x + this.width, this.y - 1.5)
      .lineWidth(0.5)
      .strokeColor("#dadce0")
      .stroke();
    this.y += 1.5;
    return true;
  }

  /**
   * Writes items while they fit (at most `max`), then "… and N more" for the rest. Returns how
   * many were written.
   */
  list(
    items: readonly { text: string; colour?: string }[],
    options: { max?: number; empty?: string; itemChars?: number } = {},
  ): number {
    if (items.length === 0) {
      this.write(options.empty ?? "none", { colour: MUTED });
      return 0;
    }
    const max = Math.min(options.max ?? items.length, items.length);
    let written = 0;
    for (const [index, item] of items.entries()) {
      if (index >= max) break;
      const text = `• ${clip(item.text, options.itemChars ?? 220)}`;
      const restAfter = items.length - index - 1;
      const reserve = restAfter > 0 ? this.height("… and 000 more", 9, false) + 2 : 0;
      if (!this.fits(text, 9, false, reserve)) break;
      this.write(text, item.colour === undefined ? {} : { colour: item.colour });
      written++;
    }
    const left = items.length - written;
    if (left > 0) this.write(`… and ${left} more`, { colour: MUTED });
    return written;
  }
}

function sourceHost(url: string | null): string {
  if (url === null) return "no source";
  try {
    return new URL(url).host;
  } catch {
    return "source";
  }
}

/** Renders the vendor summary to a one-page A4 PDF of searchable text. */
export function renderVendorSummaryPdf(summary: VendorSummary): Promise<Uint8Array> {
  const doc = new PDFDocument({
    size: "A4",
    margin: MARGIN,
    autoFirstPage: true,
    info: {
      Title: pdfSafeText(`Vendor summary: ${summary.vendor.name}`),
      Subject: "AI vendor one-page summary",
      Producer: "Assay",
      Creator: "Assay",
      CreationDate: new Date(`${summary.asOf}T00:00:00Z`),
    },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on("error", reject);
  });
  // Everything is placed inside the page's bounds; an added page would be a layout bug.
  let pages = 1;
  doc.on("pageAdded", () => {
    pages++;
  });

  const s = summary;
  const fullWidth = A4.width - 2 * MARGIN;
  const tierBox = 92;

  // Header: vendor and the tier badge.
  const head = new Column(doc, MARGIN, fullWidth - tierBox - 12, MARGIN, MARGIN + 80);
  head.write(clip(s.vendor.name, 80), { size: 18, bold: true, gap: 3 });
  head.write(
    clip(
      `${s.vendor.category} · status ${s.vendor.status} · owner ${s.vendor.owner} · HQ ${s.vendor.headquartersCountry}`,
      160,
    ),
    { colour: MUTED },
  );
  const links = [
    s.vendor.website,
    s.vendor.trustPortalUrl ? `trust portal ${s.vendor.trustPortalUrl}` : null,
  ].filter((l): l is string => l !== null);
  if (links.length > 0) head.write(clip(links.join(" · "), 160), { colour: MUTED });
  head.write(`Summary as of ${s.asOf} · EU AI Act: highest class ${s.aiAct.highest.replaceAll("_", " ")}`, {
    colour: MUTED,
  });

  const badgeX = A4.width - MARGIN - tierBox;
  doc.roundedRect(badgeX, MARGIN, tierBox, 58, 6).fillColor(TIER_COLOURS[s.tier.tier]).fill();
  doc
    .fillColor("#ffffff")
    .font("Helvetica-Bold")
    .fontSize(20)
    .text(`Tier ${s.tier.tier}`, badgeX, MARGIN + 10, { width: tierBox, align: "center" });
  doc
    .font("Helvetica")
    .fontSize(8)
    .text(
      s.tier.override === null ? "computed" : `override (computed: tier ${s.tier.computedTier})`,
      badgeX,
      MARGIN + 38,
      {
        width: tierBox,
        align: "center",
      },
    );

  const main = new Column(doc, MARGIN, fullWidth, Math.max(head.y, MARGIN + 62) + 4, BOTTOM);

  main.heading("What we use it for");
  main.list(
    s.uses.map((u) => ({
      text: `${u.integration}: ${u.feature}, via ${u.service}${u.models.length > 0 ? ` (${u.models.join(", ")})` : ""}; domain ${u.domain}; customer-facing ${u.customerFacing}; decision-critical ${u.decisionCritical}; AI Act ${u.aiActClass.replaceAll("_", " ")}${u.aiActRole === "unknown" ? "" : ` as ${u.aiActRole}`}`,
    })),
    { max: 6, empty: "No integrations recorded." },
  );

  main.heading("Data sent");
  main.list(
    [
      ...s.data.classes.map((c) => ({
        text: `${c.label}${c.sensitive ? " (tier 3 data)" : ""}: ${c.integrations.join(", ")}`,
        ...(c.sensitive ? { colour: RED } : {}),
      })),
      ...(s.data.unknownIn.length > 0
        ? [{ text: `Not recorded for: ${s.data.unknownIn.join(", ")}`, colour: RED }]
        : []),
    ],
    { max: 6, empty: "No data classes recorded." },
  );
  main.write(clip(`Processing regions: ${s.data.regions.join(", ") || "unknown"}`, 200));
  main.write(clip(`Retention: ${s.data.retention.join("; ") || "unknown"}`, 220));
  main.write(clip(`Vendor trains on the data: ${s.data.trainingUse.join("; ") || "unknown"}`, 220));

  main.heading(`Tier ${s.tier.tier} and why`);
  main.write(
    clip(
      `${s.tier.questionCount} questions; review ${s.tier.reviewCadence}; next review due ${s.tier.nextReviewDue}.` +
        (s.tier.override === null
          ? ""
          : ` Overridden from tier ${s.tier.computedTier}: ${s.tier.override.justification}`),
      400,
    ),
  );
  main.list(
    s.tier.reasons.map((r) => ({ text: r })),
    { max: 7, empty: "No rule raised the tier above 1." },
  );

  // Two columns for the rest: catalogue facts on the left, documents and findings on the right.
  const columnWidth = (fullWidth - 16) / 2;
  const top = main.y;
  const left = new Column(doc, MARGIN, columnWidth, top, BOTTOM);
  const right = new Column(doc, MARGIN + columnWidth + 16, columnWidth, top, BOTTOM);

  left.heading("Catalogue facts");
  if (s.catalog === null) {
    left.write("Not a catalogue vendor; no published facts on file.", { colour: MUTED });
  } else {
    left.list(
      [
        ...s.catalog.facts,
        ...s.catalog.certifications.map((c) => ({ ...c, label: `Certification: ${c.label}` })),
      ].map((f) => ({
        text: `${f.label}: ${f.value}${f.uncertain ? " (unconfirmed)" : ""} [${sourceHost(f.source)}, as of ${f.asOf}]`,
      })),
      { itemChars: 150 },
    );
  }

  right.heading("Contract and documents");
  right.list(
    s.documents.map((d) => ({
      text: `${d.label}: ${d.status === "present" ? d.detail : d.status.toUpperCase()}${d.status === "expired" ? ` (${d.detail})` : ""}`,
      ...(d.status === "present" ? {} : { colour: RED }),
    })),
    { itemChars: 150 },
  );
  right.heading(`Open findings (${s.findings.total})`);
  right.list(
    s.findings.items.map((f) => ({
      text: `[${f.severity}] ${f.title}${f.dueOn === undefined ? "" : ` (due ${f.dueOn})`}`,
      ...(f.severity === "high" || f.severity === "critical" ? { colour: RED } : {}),
    })),
    { empty: "No open findings.", itemChars: 150 },
  );

  doc
    .font("Helvetica")
    .fontSize(7)
    .fillColor(MUTED)
    .text(
      "Generated by Assay from the inventory. Catalogue facts carry their source and as-of date; unknown means not recorded, and counts upward in tiering.",
      MARGIN,
      A4.height - MARGIN - 10,
      { width: fullWidth, lineBreak: false },
    );

  doc.end();
  return done.then((bytes) => {
    if (pages !== 1) {
      throw new AppError("INTERNAL", "The vendor summary did not fit on one page.", { details: { pages } });
    }
    return bytes;
  });
}
