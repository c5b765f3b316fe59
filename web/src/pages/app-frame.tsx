import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, Outlet, useNavigate } from "@tanstack/react-router";
import { api, rememberCsrf, type Session } from "../api/client";
import { sessionQueryKey } from "../session";

/** The areas of the product, in the order of the assessment lifecycle. */
export const AREAS = [
  { to: "/", label: "Dashboard" },
  { to: "/vendors", label: "Vendors" },
  { to: "/assessments", label: "Assessments" },
  { to: "/evidence", label: "Evidence" },
  { to: "/models", label: "Models" },
  { to: "/usage", label: "Usage" },
  { to: "/monitoring", label: "Monitoring" },
  { to: "/audit-pack", label: "Audit pack" },
  { to: "/settings", label: "Settings" },
] as const;

export function AppFrame({ session }: { session: Session }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const logout = useMutation({
    mutationFn: async () => api.POST("/api/auth/logout"),
    onSettled: async () => {
      rememberCsrf(null);
      queryClient.clear();
      await queryClient.invalidateQueries({ queryKey: sessionQueryKey });
      await navigate({ to: "/login" });
    },
  });
  const items = session.user.role === "admin" ? [...AREAS, { to: "/users", label: "Users" } as const] : AREAS;
  return (
    <div className="flex min-h-screen">
      <nav aria-label="Main" className="flex w-56 shrink-0 flex-col border-r border-slate-200 bg-white">
        <div className="flex items-center gap-2 px-4 py-4">
          <img src="/favicon.svg" alt="" className="h-7 w-7" />
          <span className="text-lg font-semibold tracking-tight">Assay</span>
        </div>
        <ul className="flex-1 space-y-0.5 px-2">
          {items.map((item) => (
            <li key={item.to}>
              <Link
                to={item.to}
                activeOptions={{ exact: item.to === "/" }}
                className="block rounded-md px-3 py-2 text-sm text-slate-700 hover:bg-slate-100"
                activeProps={{ className: "bg-teal-50 font-medium text-teal-800" }}
              >
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
        <div className="border-t border-slate-200 p-3 text-sm">
          <div className="truncate font-medium" title={session.user.email}>
            {session.user.name || session.user.email}
          </div>
          <div className="mb-2 text-xs capitalize text-slate-500">{session.user.role}</div>
          <button
            type="button"
            className="btn-secondary w-full"
            onClick={() => logout.mutate()}
            disabled={logout.isPending}
          >
            Sign out
          </button>
        </div>
      </nav>
      <main className="min-w-0 flex-1 px-8 py-8">
        <Outlet />
      </main>
    </div>
  );
}
