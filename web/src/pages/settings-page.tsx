import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, rememberCsrf, unwrap } from "../api/client";
import { ErrorNote, Field, PageHeader } from "../components/ui";
import { errorMessage } from "../session";

/** Personal settings: API tokens for the CLI and automation, and the password. */
export function SettingsPage() {
  return (
    <>
      <PageHeader
        title="Settings"
        description="API tokens for the assay CLI and automation, and your password."
      />
      <div className="grid gap-6 lg:grid-cols-2">
        <TokensCard />
        <PasswordCard />
      </div>
    </>
  );
}

function TokensCard() {
  const queryClient = useQueryClient();
  const tokens = useQuery({
    queryKey: ["tokens"],
    queryFn: async () => unwrap(await api.GET("/api/tokens")),
  });
  const [name, setName] = useState("");
  const [shown, setShown] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const create = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/tokens", { body: { name } })),
    onSuccess: (created) => {
      setShown(created.token);
      setName("");
      void queryClient.invalidateQueries({ queryKey: ["tokens"] });
    },
    onError: (e) => setProblem(errorMessage(e)),
  });
  const revoke = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.DELETE("/api/tokens/{id}", { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["tokens"] }),
    onError: (e) => setProblem(errorMessage(e)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    create.mutate();
  };
  return (
    <section className="card p-5">
      <h2 className="text-base font-semibold">API tokens</h2>
      <p className="mb-4 mt-1 text-sm text-slate-600">
        Send a token as <code>Authorization: Bearer …</code>. It is shown once; only its hash is stored.
      </p>
      <form className="flex items-end gap-2" onSubmit={submit}>
        <div className="flex-1">
          <Field label="Name" htmlFor="token-name">
            <input
              id="token-name"
              className="input"
              required
              maxLength={100}
              placeholder="ci"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </Field>
        </div>
        <button type="submit" className="btn-primary" disabled={create.isPending}>
          Create token
        </button>
      </form>
      {shown ? (
        <div className="mt-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm">
          <p className="font-medium text-amber-900">Copy it now; it will not be shown again.</p>
          <code className="mt-1 block break-all font-mono text-xs" data-testid="new-token">
            {shown}
          </code>
        </div>
      ) : null}
      <ErrorNote message={problem} />
      <ul className="mt-4 divide-y divide-slate-100 text-sm">
        {(tokens.data?.items ?? []).map((t) => (
          <li key={t.id} className="flex items-center justify-between py-2">
            <span>
              <span className="font-medium">{t.name}</span>{" "}
              <code className="text-xs text-slate-500">{t.prefix}…</code>
              <span className="block text-xs text-slate-500">
                {t.userEmail} ·{" "}
                {t.lastUsedAt ? `last used ${new Date(t.lastUsedAt).toLocaleString()}` : "never used"}
              </span>
            </span>
            {t.revoked ? (
              <span className="text-xs text-slate-500">revoked</span>
            ) : (
              <button type="button" className="btn-danger" onClick={() => revoke.mutate(t.id)}>
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function PasswordCard() {
  const [form, setForm] = useState({ currentPassword: "", newPassword: "" });
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState(false);
  const change = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/auth/password", { body: form })),
    onSuccess: (session) => {
      rememberCsrf(session.csrfToken);
      setDone(true);
      setForm({ currentPassword: "", newPassword: "" });
    },
    onError: (e) => setProblem(errorMessage(e)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    setDone(false);
    change.mutate();
  };
  return (
    <section className="card p-5">
      <h2 className="text-base font-semibold">Password</h2>
      <form className="mt-4 space-y-4" onSubmit={submit}>
        <Field label="Current password" htmlFor="current-password">
          <input
            id="current-password"
            type="password"
            className="input"
            required
            autoComplete="current-password"
            value={form.currentPassword}
            onChange={(e) => setForm({ ...form, currentPassword: e.target.value })}
          />
        </Field>
        <Field
          label="New password"
          htmlFor="new-password-self"
          hint="At least 12 characters. Your other sessions end."
        >
          <input
            id="new-password-self"
            type="password"
            className="input"
            required
            minLength={12}
            autoComplete="new-password"
            value={form.newPassword}
            onChange={(e) => setForm({ ...form, newPassword: e.target.value })}
          />
        </Field>
        <ErrorNote message={problem} />
        {done ? (
          <p role="status" className="text-sm text-teal-800">
            Password changed.
          </p>
        ) : null}
        <button type="submit" className="btn-primary" disabled={change.isPending}>
          Change password
        </button>
      </form>
    </section>
  );
}
