import { z } from "zod";

/** The data classes an integration can send to a vendor; the vocabulary of tiering, usage and policy. */
export const DATA_CLASSES = [
  "public",
  "internal",
  "confidential",
  "customer_data",
  "pii",
  "phi",
  "payment_data",
  "credentials",
  "biometric",
] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

/** The catalogue file describing each data class (catalog/data-classes/). */
export const DataClassCatalogSchema = z.strictObject({
  version: z.number().int().positive(),
  asOf: z.iso.date(),
  classes: z
    .array(
      z.strictObject({
        id: z.enum(DATA_CLASSES),
        label: z.string().min(1),
        description: z.string().min(1),
        sensitivity: z.number().int().min(0).max(4),
      }),
    )
    .min(1)
    .refine((list) => new Set(list.map((c) => c.id)).size === list.length, {
      error: "class ids must be unique",
    }),
});
export type DataClassCatalog = z.infer<typeof DataClassCatalogSchema>;
