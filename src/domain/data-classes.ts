import { z } from "zod";

import { DATA_CLASSES } from "./inventory.ts";

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
