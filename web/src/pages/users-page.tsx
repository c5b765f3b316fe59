import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, type Role, type User, unwrap } from "../api/client";
import { ErrorNote, Field, PageHeader } from "../components/ui";
import { errorMessage } from "../session";

const ROLES: { value: Role; label: string; help: string }[] = [
  { value: "admin", label: "Admin", help: "everything, including users and settings" },
  { value: "assessor", label: "Assessor", help: "records vendors, runs assessments, exports" },
  { value: "viewer", label: "Viewer", help: "reads" },
  { value: "auditor", label: "Auditor", help: "reads and exports evidence packs" },
];

/** Admins create users, set their roles and disable or re-enable them. */
export function UsersPage({ currentUserId }: { currentUserId: string }) {
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: ["users"], queryFn: async () => unwrap(await api.GET("/api/users")) });
  const [problem, setProblem] = useState<string>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["users"] });
  const patch = useMutation({
    mutationFn: async (input: { id: string; role?: Role; disabled?: boolean }) =>
      unwrap(
        await api.PATCH("/api/users/{id}", {
          params: { path: { id: input.id } },
          body: { role: input.role, disabled: input.disabled },
        }),
      ),
    onSuccess: refresh,
    onError: (e) => setProblem(errorMessage(e)),
  });
  return (
    <>
      <PageHeader title="Users" description="Who can sign in, and what each person may do." />
      <NewUserForm onCreated={refresh} />
      <ErrorNote message={problem} />
      <div className="card mt-6 overflow-hidden">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-4 py-2">E-mail</th>
              <th className="px-4 py-2">Name</th>
              <th className="px-4 py-2">Role</th>
              <th className="px-4 py-2">Status</th>
              <th className="px-4 py-2" />
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {(users.data?.items ?? []).map((user: User) => (
              <tr key={user.id} data-testid={`user-row-${user.email}`}>
                <td className="px-4 py-2 font-medium">{user.email}</td>
                <td className="px-4 py-2">{user.name}</td>
                <td className="px-4 py-2">
                  <select
                    aria-label={`Role of ${user.email}`}
                    className="input py-1"
                    value={user.role}
                    disabled={user.id === currentUserId}
                    onChange={(e) => patch.mutate({ id: user.id, role: e.target.value as Role })}
                  >
                    {ROLES.map((r) => (
                      <option key={r.value} value={r.value}>
                        {r.label}
                      </option>
                    ))}
                  </select>
                </td>
                <td className="px-4 py-2">
                  {user.disabled ? (
                    <span className="text-red-700">Disabled</span>
                  ) : (
                    <span className="text-teal-700">Active</span>
                  )}
                </td>
                <td className="px-4 py-2 text-right">
                  {user.id === currentUserId ? (
                    <span className="text-xs text-slate-500">you</span>
                  ) : (
                    <button
                      type="button"
                      className={user.disabled ? "btn-secondary" : "btn-danger"}
                      onClick={() => patch.mutate({ id: user.id, disabled: !user.disabled })}
                    >
                      {user.disabled ? "Enable" : "Disable"}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {users.isLoading ? <p className="p-4 text-sm text-slate-500">Loading…</p> : null}
        {users.error ? <ErrorNote message={errorMessage(users.error)} /> : null}
      </div>
    </>
  );
}

function NewUserForm({ onCreated }: { onCreated: () => void }) {
  const empty = { email: "", name: "", role: "viewer" as Role, password: "" };
  const [form, setForm] = useState(empty);
  const [problem, setProblem] = useState<string>();
  const [created, setCreated] = useState<string>();
  const create = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/users", { body: { ...form, name: form.name || undefined } })),
    onSuccess: (user) => {
      setCreated(`${user.email} can now sign in as ${user.role}.`);
      setForm(empty);
      onCreated();
    },
    onError: (e) => setProblem(errorMessage(e)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    setCreated(undefined);
    create.mutate();
  };
  return (
    <form className="card grid gap-4 p-4 md:grid-cols-5 md:items-end" onSubmit={submit} aria-label="New user">
      <Field label="E-mail" htmlFor="new-email">
        <input
          id="new-email"
          type="email"
          className="input"
          required
          value={form.email}
          onChange={(e) => setForm({ ...form, email: e.target.value })}
        />
      </Field>
      <Field label="Name" htmlFor="new-name">
        <input
          id="new-name"
          className="input"
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.target.value })}
        />
      </Field>
      <Field label="Role" htmlFor="new-role">
        <select
          id="new-role"
          className="input"
          value={form.role}
          onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
        >
          {ROLES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label} — {r.help}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Initial password" htmlFor="new-password">
        <input
          id="new-password"
          type="password"
          className="input"
          required
          minLength={12}
          autoComplete="new-password"
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
        />
      </Field>
      <button type="submit" className="btn-primary" disabled={create.isPending}>
        Create user
      </button>
      <div className="md:col-span-5">
        <ErrorNote message={problem} />
        {created ? (
          <p role="status" className="text-sm text-teal-800">
            {created}
          </p>
        ) : null}
      </div>
    </form>
  );
}
