/**
 * Chat templates shipped beside hub models: `tokenizer_config.json` (`chat_template`, a string
 * or a list of named templates) and `chat_template.jinja`. Runtimes render them with Jinja, so
 * a template that walks to Python internals runs code where the sandbox is missing or weak.
 */

import { type AnalyzerPlace, at } from "./context.ts";
import { findTemplateCodeExecution } from "./gguf.ts";
import type { ByteAnalyzer } from "./types.ts";

/** The chat templates a tokenizer configuration declares, by name ("default" when unnamed). */
export function chatTemplatesOf(config: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (config === null || typeof config !== "object" || Array.isArray(config)) return out;
  const t = (config as Record<string, unknown>).chat_template;
  if (typeof t === "string") out.default = t;
  else if (Array.isArray(t)) {
    t.forEach((entry, i) => {
      if (entry !== null && typeof entry === "object") {
        const e = entry as Record<string, unknown>;
        if (typeof e.template === "string") out[typeof e.name === "string" ? e.name : String(i)] = e.template;
      }
    });
  }
  return out;
}

/** Buffers a JSON or Jinja text file (bounded) and checks the chat templates in it. */
export class ChatTemplateAnalyzer implements ByteAnalyzer {
  private readonly place: AnalyzerPlace;
  private readonly kind: "json" | "jinja";
  private chunks: Uint8Array[] = [];
  private size = 0;
  private dropped = false;

  constructor(place: AnalyzerPlace, kind: "json" | "jinja") {
    this.place = place;
    this.kind = kind;
  }

  write(chunk: Uint8Array): void {
    if (this.dropped) return;
    this.size += chunk.length;
    // Large JSON files (tokenizer.json vocabularies) hold no template: stop buffering them.
    if (this.size > this.place.ctx.limits.maxJsonConfig) {
      this.dropped = true;
      this.chunks = [];
      return;
    }
    this.chunks.push(new Uint8Array(chunk));
  }

  end(): void {
    if (this.dropped) return;
    const text = Buffer.concat(this.chunks).toString("utf8");
    this.chunks = [];
    let templates: Record<string, string>;
    if (this.kind === "jinja") templates = { default: text };
    else {
      try {
        templates = chatTemplatesOf(JSON.parse(text));
      } catch {
        return;
      }
    }
    for (const [name, template] of Object.entries(templates)) {
      const hits = findTemplateCodeExecution(template);
      if (hits.length > 0) {
        this.place.ctx.report(
          at(this.place, {
            rule: "tokenizer.chat_template_code",
            severity: "high",
            message: `chat template "${name}" contains code-execution constructs: ${hits.join(", ")}`,
          }),
        );
      }
    }
  }
}
