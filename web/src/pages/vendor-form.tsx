import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { api, unwrap } from "../api/client";
import { ErrorNote, Field, PageHeader } from "../components/ui";
import { CATEGORIES, CATEGORY_LABELS, type Vendor, type VendorCategory } from "../inventory/vocabulary";
import { errorMessage } from "../session";

interface VendorDraft {
  name: string;
  website: string;
  category: VendorCategory;
  owner: string;
  trustPortalUrl: string;
  headquartersCountry: string;
  subprocessors: { name: string; purpose: string; country: string }[];
}

const draftOf = (v?: Vendor): VendorDraft => ({
  name: v?.name ?? "",
  website: v?.website ?? "",
  category: v?.category ?? "foundation_model_provider",
  owner: v?.owner ?? "",
  trustPortalUrl: v?.trustPortalUrl ?? "",
  headquartersCountry: v?.headquartersCountry ?? "",
  subprocessors: (v?.subprocessors ?? []).map((s) => ({
    name: s.name,
    purpose: s.purpose ?? "",
    country: s.country ?? "",
  })),
});

const orUndefined = (s: string) => s.trim() || undefined;

/** The fields of a vendor; `vendor` given means edit (PATCH), absent means create (POST). */
export function VendorForm({
  vendor,
  onSaved,
  onCancel,
}: {
  vendor?: Vendor;
  onSaved: (saved: Vendor) => void;
  onCancel?: () => void;
}) {
  const queryClient = useQueryClient();
  const [form, setForm] = useState(() => draftOf(vendor));
  const [problem, setProblem] = useState<string>();
  const save = useMutation({
    mutationFn: async () => {
      const body = {
        name: form.name.trim(),
        website: orUndefined(form.website),
        category: form.category,
        owner: orUndefined(form.owner),
        trustPortalUrl: orUndefined(form.trustPortalUrl),
        headquartersCountry: orUndefined(form.headquartersCountry.toUpperCase()),
        // The whole list is sent: what is removed here is removed on the vendor.
        subprocessors: form.subprocessors
          .filter((s) => s.name.trim())
          .map((s) => ({
            name: s.name.trim(),
            purpose: orUndefined(s.purpose),
            country: orUndefined(s.country.toUpperCase()),
          })),
      };
      if (vendor)
        return unwrap(await api.PATCH("/api/vendors/{id}", { params: { path: { id: vendor.id } }, body }));
      return unwrap(await api.POST("/api/vendors", { body }));
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ["vendors"] });
      await queryClient.invalidateQueries({ queryKey: ["vendor", saved.id] });
      await queryClient.invalidateQueries({ queryKey: ["dashboard"] });
      onSaved(saved);
    },
    onError: (e) => setProblem(errorMessage(e)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    save.mutate();
  };
  const set = (patch: Partial<VendorDraft>) => setForm({ ...form, ...patch });
  return (
    <form
      className="grid gap-4 md:grid-cols-2"
      onSubmit={submit}
      aria-label={vendor ? "Edit vendor" : "New vendor"}
    >
      <Field label="Vendor name" htmlFor="vendor-name">
        <input
          id="vendor-name"
          className="input"
          required
          maxLength={200}
          value={form.name}
          onChange={(e) => set({ name: e.target.value })}
        />
      </Field>
      <Field label="Category" htmlFor="vendor-category">
        <select
          id="vendor-category"
          className="input"
          value={form.category}
          onChange={(e) => set({ category: e.target.value as VendorCategory })}
        >
          {CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {CATEGORY_LABELS[c]}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Website" htmlFor="vendor-website" hint="https://…">
        <input
          id="vendor-website"
          type="url"
          className="input"
          value={form.website}
          onChange={(e) => set({ website: e.target.value })}
        />
      </Field>
      <Field
        label="Trust portal"
        htmlFor="vendor-trust"
        hint="Where the vendor publishes its reports and certificates"
      >
        <input
          id="vendor-trust"
          type="url"
          className="input"
          value={form.trustPortalUrl}
          onChange={(e) => set({ trustPortalUrl: e.target.value })}
        />
      </Field>
      <Field label="Owner" htmlFor="vendor-owner" hint="The person or team accountable for this vendor">
        <input
          id="vendor-owner"
          className="input"
          maxLength={200}
          value={form.owner}
          onChange={(e) => set({ owner: e.target.value })}
        />
      </Field>
      <Field label="Headquarters country" htmlFor="vendor-country" hint="ISO code, e.g. US or DE">
        <input
          id="vendor-country"
          className="input uppercase"
          maxLength={2}
          pattern="[A-Za-z]{2}"
          value={form.headquartersCountry}
          onChange={(e) => set({ headquartersCountry: e.target.value })}
        />
      </Field>
      <fieldset className="md:col-span-2">
        <legend className="label">Subprocessors (fourth parties)</legend>
        <p className="mb-2 text-xs text-slate-500">
          The vendor's own suppliers that may handle what we send, from its subprocessor list.
        </p>
        <div className="space-y-2">
          {form.subprocessors.map((s, index) => {
            const setSub = (patch: Partial<VendorDraft["subprocessors"][number]>) =>
              set({
                subprocessors: form.subprocessors.map((x, i) => (i === index ? { ...x, ...patch } : x)),
              });
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own until saved.
              <div key={index} className="grid items-end gap-2 md:grid-cols-[1fr_1fr_6rem_auto]">
                <Field label={`Subprocessor ${index + 1} name`} htmlFor={`sub-name-${index}`}>
                  <input
                    id={`sub-name-${index}`}
                    className="input"
                    required
                    maxLength={200}
                    value={s.name}
                    onChange={(e) => setSub({ name: e.target.value })}
                  />
                </Field>
                <Field label={`Subprocessor ${index + 1} purpose`} htmlFor={`sub-purpose-${index}`}>
                  <input
                    id={`sub-purpose-${index}`}
                    className="input"
                    maxLength={500}
                    value={s.purpose}
                    onChange={(e) => setSub({ purpose: e.target.value })}
                  />
                </Field>
                <Field label={`Subprocessor ${index + 1} country`} htmlFor={`sub-country-${index}`}>
                  <input
                    id={`sub-country-${index}`}
                    className="input uppercase"
                    maxLength={2}
                    pattern="[A-Za-z]{2}"
                    value={s.country}
                    onChange={(e) => setSub({ country: e.target.value })}
                  />
                </Field>
                <button
                  type="button"
                  className="btn-danger"
                  aria-label={`Remove subprocessor ${index + 1}`}
                  onClick={() => set({ subprocessors: form.subprocessors.filter((_, i) => i !== index) })}
                >
                  Remove
                </button>
              </div>
            );
          })}
          <button
            type="button"
            className="btn-secondary"
            onClick={() =>
              set({ subprocessors: [...form.subprocessors, { name: "", purpose: "", country: "" }] })
            }
          >
            Add subprocessor
          </button>
        </div>
      </fieldset>
      <div className="flex items-center gap-2 md:col-span-2">
        <button type="submit" className="btn-primary" disabled={save.isPending}>
          {vendor ? "Save vendor" : "Create vendor"}
        </button>
        {onCancel ? (
          <button type="button" className="btn-secondary" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      <div className="md:col-span-2">
        <ErrorNote message={problem} />
      </div>
    </form>
  );
}

export function NewVendorPage() {
  const navigate = useNavigate();
  return (
    <>
      <PageHeader
        title="Add vendor"
        description="Record a vendor that is not in the catalogue. Its tier follows from the integrations you add next."
        actions={
          <Link to="/vendors/catalog" className="btn-secondary">
            Pick from catalogue instead
          </Link>
        }
      />
      <div className="card max-w-4xl p-5">
        <VendorForm onSaved={(v) => void navigate({ to: "/vendors/$id", params: { id: v.id } })} />
      </div>
    </>
  );
}
