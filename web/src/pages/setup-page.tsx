import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { api, rememberCsrf, unwrap } from "../api/client";
import { ErrorNote, Field } from "../components/ui";
import { errorMessage, sessionQueryKey } from "../session";

/** First run: whoever holds the token printed in the server console creates the first admin. */
export function SetupPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ setupToken: "", email: "", name: "", password: "", confirm: "" });
  const [problem, setProblem] = useState<string>();
  const setup = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/setup", {
          body: {
            setupToken: form.setupToken,
            email: form.email,
            name: form.name || undefined,
            password: form.password,
          },
        }),
      ),
    onSuccess: async (session) => {
      rememberCsrf(session.csrfToken);
      await queryClient.invalidateQueries({ queryKey: sessionQueryKey });
      await navigate({ to: "/" });
    },
    onError: (error) => setProblem(errorMessage(error)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    if (form.password !== form.confirm) return setProblem("The two passwords differ.");
    setup.mutate();
  };
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [key]: e.target.value });
  return (
    <AuthCard
      title="Set up Assay"
      subtitle="Create the first administrator. The setup token is printed in the console where Assay was started."
    >
      <form className="space-y-4" onSubmit={submit}>
        <Field label="Setup token" htmlFor="setupToken">
          <input
            id="setupToken"
            className="input font-mono"
            required
            autoComplete="off"
            value={form.setupToken}
            onChange={set("setupToken")}
          />
        </Field>
        <Field label="Your e-mail" htmlFor="email">
          <input
            id="email"
            type="email"
            className="input"
            required
            autoComplete="username"
            value={form.email}
            onChange={set("email")}
          />
        </Field>
        <Field label="Your name" htmlFor="name">
          <input id="name" className="input" autoComplete="name" value={form.name} onChange={set("name")} />
        </Field>
        <Field label="Password" htmlFor="password" hint="At least 12 characters.">
          <input
            id="password"
            type="password"
            className="input"
            required
            minLength={12}
            autoComplete="new-password"
            value={form.password}
            onChange={set("password")}
          />
        </Field>
        <Field label="Repeat password" htmlFor="confirm">
          <input
            id="confirm"
            type="password"
            className="input"
            required
            autoComplete="new-password"
            value={form.confirm}
            onChange={set("confirm")}
          />
        </Field>
        <ErrorNote message={problem} />
        <button type="submit" className="btn-primary w-full" disabled={setup.isPending}>
          {setup.isPending ? "Creating…" : "Create administrator"}
        </button>
      </form>
    </AuthCard>
  );
}

export function AuthCard({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle: string;
  children: React.ReactNode;
}) {
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-md">
        <div className="mb-6 flex items-center gap-2">
          <img src="/favicon.svg" alt="" className="h-8 w-8" />
          <span className="text-xl font-semibold tracking-tight">Assay</span>
        </div>
        <div className="card p-6">
          <h1 className="text-lg font-semibold">{title}</h1>
          <p className="mb-5 mt-1 text-sm text-slate-600">{subtitle}</p>
          {children}
        </div>
      </div>
    </main>
  );
}
