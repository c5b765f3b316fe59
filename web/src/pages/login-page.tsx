import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { api, rememberCsrf, unwrap } from "../api/client";
import { ErrorNote, Field } from "../components/ui";
import { errorMessage, sessionQueryKey } from "../session";
import { AuthCard } from "./setup-page";

export function LoginPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<string>();
  const login = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/auth/login", { body: { email, password } })),
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
    login.mutate();
  };
  return (
    <AuthCard title="Sign in" subtitle="AI vendor risk, evidence and audit in one place.">
      <form className="space-y-4" onSubmit={submit}>
        <Field label="E-mail" htmlFor="email">
          <input
            id="email"
            type="email"
            className="input"
            required
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field label="Password" htmlFor="password">
          <input
            id="password"
            type="password"
            className="input"
            required
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <ErrorNote message={problem} />
        <button type="submit" className="btn-primary w-full" disabled={login.isPending}>
          {login.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </AuthCard>
  );
}
