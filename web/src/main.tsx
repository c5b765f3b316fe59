import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import {
  createRootRoute,
  createRoute,
  createRouter,
  Navigate,
  Outlet,
  RouterProvider,
  useRouterState,
} from "@tanstack/react-router";
import { StrictMode, useCallback } from "react";
import { createRoot } from "react-dom/client";
import { ErrorNote } from "./components/ui";
import { AppFrame } from "./pages/app-frame";
import { AreaPage } from "./pages/area-pages";
import { AssessmentDetailPage } from "./pages/assessment-detail-page";
import {
  AssessmentListPage,
  type AssessmentSearch,
  parseAssessmentSearch,
} from "./pages/assessment-list-page";
import { CatalogPage } from "./pages/catalog-page";
import { DashboardPage } from "./pages/dashboard-page";
import { EvidencePage } from "./pages/evidence-page";
import { LoginPage } from "./pages/login-page";
import { ModelDetailPage } from "./pages/model-detail-page";
import { ModelsPage } from "./pages/models-page";
import { PortalPage } from "./pages/portal-page";
import { RemediationPage } from "./pages/remediation-page";
import { SettingsPage } from "./pages/settings-page";
import { SetupPage } from "./pages/setup-page";
import { UsagePage } from "./pages/usage-page";
import { UsersPage } from "./pages/users-page";
import { VendorDetailPage } from "./pages/vendor-detail-page";
import { NewVendorPage } from "./pages/vendor-form";
import { VendorImportPage } from "./pages/vendor-import-page";
import { parseVendorSearch, VendorListPage, type VendorSearch } from "./pages/vendor-list-page";
import { VendorSummaryPage } from "./pages/vendor-summary-page";
import { errorMessage, useSessionState } from "./session";
import "./styles.css";

const PUBLIC_PATHS = new Set(["/login", "/setup"]);

const isPortalPath = (path: string) => path.startsWith("/portal/");

/** Sends people where their session state says they belong: setup, sign-in, or the app. */
function Root() {
  const state = useSessionState();
  const path = useRouterState({ select: (s) => s.location.pathname });
  // The vendor's portal needs no account: the link is its own authorisation, shown without the app.
  if (isPortalPath(path)) return <Outlet />;
  if (state.isLoading) return <p className="p-8 text-sm text-slate-500">Loading…</p>;
  if (state.error || !state.data)
    return (
      <div className="p-8">
        <ErrorNote message={`Assay is not reachable: ${errorMessage(state.error)}`} />
      </div>
    );
  const s = state.data;
  if (s.kind === "setup-required" && path !== "/setup") return <Navigate to="/setup" />;
  if (s.kind === "signed-out" && path !== "/login") return <Navigate to="/login" />;
  if (s.kind === "signed-in" && PUBLIC_PATHS.has(path)) return <Navigate to="/" />;
  return <Outlet />;
}

function Frame() {
  const state = useSessionState();
  if (state.data?.kind !== "signed-in") return null;
  return <AppFrame session={state.data.session} />;
}

function Users() {
  const state = useSessionState();
  if (state.data?.kind !== "signed-in") return null;
  if (state.data.session.user.role !== "admin") return <ErrorNote message="Only admins manage users." />;
  return <UsersPage currentUserId={state.data.session.user.id} />;
}

function Dashboard() {
  const state = useSessionState();
  if (state.data?.kind !== "signed-in") return null;
  return <DashboardPage isAdmin={state.data.session.user.role === "admin"} />;
}

function Usage() {
  const state = useSessionState();
  if (state.data?.kind !== "signed-in") return null;
  return <UsagePage canExport={state.data.session.user.role !== "viewer"} />;
}

function VendorList() {
  const search = vendorsRoute.useSearch();
  const navigate = vendorsRoute.useNavigate();
  const onSearch = useCallback(
    (next: VendorSearch, options?: { replace?: boolean }) =>
      void navigate({ search: next, replace: options?.replace ?? false }),
    [navigate],
  );
  return <VendorListPage search={search} onSearch={onSearch} />;
}

function VendorDetail() {
  const { id } = vendorRoute.useParams();
  return <VendorDetailPage key={id} id={id} />;
}

function VendorSummary() {
  const { id } = vendorSummaryRoute.useParams();
  return <VendorSummaryPage key={id} id={id} />;
}

function AssessmentList() {
  const search = assessmentsRoute.useSearch();
  const navigate = assessmentsRoute.useNavigate();
  const onSearch = useCallback((next: AssessmentSearch) => void navigate({ search: next }), [navigate]);
  return <AssessmentListPage search={search} onSearch={onSearch} />;
}

function AssessmentDetail() {
  const { id } = assessmentRoute.useParams();
  return <AssessmentDetailPage key={id} id={id} />;
}

function Models() {
  const { vendorId } = modelsRoute.useSearch();
  return <ModelsPage vendorId={vendorId} />;
}

function ModelDetail() {
  const { id } = modelRoute.useParams();
  return <ModelDetailPage key={id} id={id} />;
}

function Portal() {
  const { token } = portalRoute.useParams();
  return <PortalPage key={token} token={token} />;
}

const rootRoute = createRootRoute({ component: Root });
const setupRoute = createRoute({ getParentRoute: () => rootRoute, path: "/setup", component: SetupPage });
const loginRoute = createRoute({ getParentRoute: () => rootRoute, path: "/login", component: LoginPage });
const portalRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/portal/$token",
  component: Portal,
});
const appRoute = createRoute({ getParentRoute: () => rootRoute, id: "app", component: Frame });
const child = <P extends string>(path: P, component: () => React.ReactNode) =>
  createRoute({ getParentRoute: () => appRoute, path, component });

const vendorsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/vendors",
  validateSearch: parseVendorSearch,
  component: VendorList,
});
const vendorRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/vendors/$id",
  component: VendorDetail,
});
const assessmentsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/assessments",
  validateSearch: parseAssessmentSearch,
  component: AssessmentList,
});
const assessmentRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/assessments/$id",
  component: AssessmentDetail,
});
const modelsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/models",
  validateSearch: (search: Record<string, unknown>): { vendorId?: string } =>
    typeof search.vendorId === "string" && search.vendorId !== "" ? { vendorId: search.vendorId } : {},
  component: Models,
});
const modelRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/models/$id",
  component: ModelDetail,
});
const vendorSummaryRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/vendors/$id/summary",
  component: VendorSummary,
});

const routeTree = rootRoute.addChildren([
  setupRoute,
  loginRoute,
  portalRoute,
  appRoute.addChildren([
    child("/", Dashboard),
    vendorsRoute,
    child("/vendors/catalog", CatalogPage),
    child("/vendors/new", NewVendorPage),
    child("/vendors/import", VendorImportPage),
    vendorRoute,
    vendorSummaryRoute,
    assessmentsRoute,
    child("/assessments/remediation", RemediationPage),
    assessmentRoute,
    child("/evidence", EvidencePage),
    modelsRoute,
    modelRoute,
    child("/usage", Usage),
    child("/monitoring", () => <AreaPage area="monitoring" />),
    child("/audit-pack", () => <AreaPage area="auditPack" />),
    child("/settings", SettingsPage),
    child("/users", Users),
  ]),
]);

// Search params are plain text (`?tier=2,3&q=open`), not JSON, so shared links stay readable.
const router = createRouter({
  routeTree,
  defaultPreload: "intent",
  parseSearch: (search) => Object.fromEntries(new URLSearchParams(search)),
  stringifySearch: (search) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(search)) {
      if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
    }
    const text = params.toString();
    return text ? `?${text}` : "";
  },
});

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}

const queryClient = new QueryClient({ defaultOptions: { queries: { refetchOnWindowFocus: false } } });
const rootElement = document.getElementById("root");
if (rootElement) {
  createRoot(rootElement).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </StrictMode>,
  );
}
