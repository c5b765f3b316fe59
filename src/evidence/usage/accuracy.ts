/**
 * Precision and recall of the classifier on a generated, labelled corpus, per detection kind and per
 * data class, counted per prompt (a prompt counts as a true positive for a kind when the kind is both
 * planted and detected).
 */

import type { LabelledPrompt } from "./corpus.ts";
import type { Classifier } from "./detectors.ts";
import type { DataClass, DetectionKind } from "./types.ts";
import { DATA_CLASS_OF_KIND } from "./types.ts";

export interface AccuracyRow {
  label: string;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
}

export interface AccuracyReport {
  samples: number;
  byKind: AccuracyRow[];
  byDataClass: AccuracyRow[];
  /** Look-alike name → prompts where it caused a false positive. */
  lookAlikeFalsePositives: Record<string, number>;
}

function row(label: string, tp: number, fp: number, fn: number): AccuracyRow {
  return {
    label,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
  };
}

/** Classifies every prompt and compares what was found with what was planted. */
export function measureAccuracy(corpus: readonly LabelledPrompt[], classify: Classifier): AccuracyReport {
  const kinds = new Map<string, [number, number, number]>();
  const classes = new Map<string, [number, number, number]>();
  const lookAlikes: Record<string, number> = {};
  const bump = (map: Map<string, [number, number, number]>, key: string, index: 0 | 1 | 2) => {
    const counts = map.get(key) ?? [0, 0, 0];
    counts[index]++;
    map.set(key, counts);
  };
  for (const sample of corpus) {
    const found = new Set<DetectionKind>(classify(sample.text).map((d) => d.kind));
    const truth = new Set<DetectionKind>(sample.kinds);
    for (const k of new Set([...found, ...truth])) {
      bump(kinds, k, found.has(k) && truth.has(k) ? 0 : found.has(k) ? 1 : 2);
      if (found.has(k) && !truth.has(k) && sample.lookAlike) {
        lookAlikes[sample.lookAlike] = (lookAlikes[sample.lookAlike] ?? 0) + 1;
      }
    }
    const classOf = (k: DetectionKind): DataClass =>
      k === "custom" ? "confidential" : DATA_CLASS_OF_KIND[k];
    const foundClasses = new Set([...found].map(classOf));
    const truthClasses = new Set([...truth].map(classOf));
    for (const c of new Set([...foundClasses, ...truthClasses])) {
      bump(classes, c, foundClasses.has(c) && truthClasses.has(c) ? 0 : foundClasses.has(c) ? 1 : 2);
    }
  }
  const rows = (map: Map<string, [number, number, number]>) =>
    [...map.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([label, [tp, fp, fn]]) => row(label, tp, fp, fn));
  return {
    samples: corpus.length,
    byKind: rows(kinds),
    byDataClass: rows(classes),
    lookAlikeFalsePositives: lookAlikes,
  };
}
