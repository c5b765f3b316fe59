import { describe, expect, it } from "vitest";
import { createAttributionTable, normaliseHost, splitModelVersion } from "./attribution.ts";
import { loadRepoCatalog } from "./test-catalog.ts";

const table = createAttributionTable(loadRepoCatalog());

describe("attribution table", () => {
  const cases: Array<
    [
      string,
      string | null,
      {
        vendor: string | null;
        service?: string;
        region?: string | null;
        resource?: string | null;
        pathModel?: string | null;
        discoveryOnly?: boolean;
      },
    ]
  > = [
    ["api.openai.com", "/v1/chat/completions", { vendor: "openai", service: "openai-api", region: null }],
    ["API.OpenAI.com:443", null, { vendor: "openai", service: "openai-api" }],
    ["chatgpt.com", "/", { vendor: "openai", service: "chatgpt", discoveryOnly: true }],
    ["chat.openai.com", null, { vendor: "openai", discoveryOnly: true }],
    ["api.anthropic.com", "/v1/messages", { vendor: "anthropic", service: "claude-api" }],
    ["claude.ai", null, { vendor: "anthropic", service: "claude-app", discoveryOnly: true }],
    [
      "contoso-eu.openai.azure.com",
      "/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21",
      {
        vendor: "azure-openai",
        service: "azure-openai",
        resource: "contoso-eu",
        pathModel: "gpt4o-prod",
        region: null,
      },
    ],
    [
      "westeurope.api.cognitive.microsoft.com",
      "/openai/deployments/chat/completions",
      { vendor: "azure-openai", region: "westeurope" },
    ],
    [
      "bedrock-runtime.eu-central-1.amazonaws.com",
      "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse",
      {
        vendor: "aws-bedrock",
        service: "bedrock-runtime",
        region: "eu-central-1",
        pathModel: "anthropic.claude-3-5-sonnet-20240620-v1:0",
      },
    ],
    [
      "bedrock.us-west-2.amazonaws.com",
      "/foundation-models",
      { vendor: "aws-bedrock", service: "bedrock", region: "us-west-2" },
    ],
    [
      "europe-west4-aiplatform.googleapis.com",
      "/v1/projects/p/locations/europe-west4/publishers/google/models/gemini-1.5-pro-002:generateContent",
      { vendor: "google-vertex-ai", region: "europe-west4", pathModel: "gemini-1.5-pro-002" },
    ],
    [
      "aiplatform.googleapis.com",
      "/v1/projects/p/locations/us-central1/publishers/anthropic/models/claude-3-5-sonnet@20240620:rawPredict",
      { vendor: "google-vertex-ai", region: "us-central1", pathModel: "claude-3-5-sonnet@20240620" },
    ],
    [
      "generativelanguage.googleapis.com",
      "/v1beta/models/gemini-2.0-flash:generateContent",
      { vendor: "google-gemini-api", service: "gemini-api", pathModel: "gemini-2.0-flash" },
    ],
    ["gemini.google.com", null, { vendor: "google-gemini-api", discoveryOnly: true }],
    ["api.cohere.com", "/v2/chat", { vendor: "cohere" }],
    ["api.mistral.ai", "/v1/chat/completions", { vendor: "mistral" }],
    [
      "api-inference.huggingface.co",
      "/models/meta-llama/Llama-3.1-8B-Instruct",
      {
        vendor: "hugging-face",
        service: "inference-providers",
        pathModel: "meta-llama/Llama-3.1-8B-Instruct",
      },
    ],
    [
      "router.huggingface.co",
      "/v1/chat/completions",
      { vendor: "hugging-face", service: "inference-providers" },
    ],
    [
      "abc123xyz.us-east-1.aws.endpoints.huggingface.cloud",
      "/",
      { vendor: "hugging-face", service: "inference-endpoints", region: "us-east-1", resource: "abc123xyz" },
    ],
    [
      "x.y.endpoints.huggingface.cloud",
      null,
      { vendor: "hugging-face", service: "inference-endpoints", region: null },
    ],
    ["my-index-abc123.svc.aped-4627-b74a.pinecone.io", "/query", { vendor: "pinecone" }],
    ["api.smith.langchain.com", "/runs", { vendor: "langsmith", region: "us" }],
    ["eu.api.smith.langchain.com", "/runs", { vendor: "langsmith", region: "eu" }],
    ["example.com", "/", { vendor: null }],
    ["openai.com.evil.example", null, { vendor: null }],
    ["notapi.openai.com", null, { vendor: null }],
  ];
  for (const [host, path, expected] of cases) {
    it(`${host}${path ?? ""}`, () => {
      expect(table.attribute(host, path)).toMatchObject(expected);
    });
  }
});

describe("model and version", () => {
  const cases: Array<[string, string, string | null]> = [
    ["gpt-4o-2024-08-06", "gpt-4o", "2024-08-06"],
    ["gpt-4o", "gpt-4o", null],
    ["gpt-3.5-turbo-0125", "gpt-3.5-turbo", "0125"],
    ["claude-3-5-sonnet-20241022", "claude-3-5-sonnet", "20241022"],
    ["claude-3-5-sonnet@20240620", "claude-3-5-sonnet", "20240620"],
    ["anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-3-5-sonnet", "20240620-v1:0"],
    ["amazon.titan-text-express-v1", "amazon.titan-text-express", "v1"],
    ["mistral-large-2407", "mistral-large", "2407"],
    ["mistral-large-latest", "mistral-large", "latest"],
    ["gemini-1.5-pro-002", "gemini-1.5-pro", "002"],
    ["meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct", null],
    ["text-embedding-3-large", "text-embedding-3-large", null],
  ];
  for (const [id, model, version] of cases) {
    it(id, () => expect(splitModelVersion(id)).toEqual({ model, version }));
  }

  it("normalises hosts", () => {
    expect(normaliseHost("API.OpenAI.com.:443")).toBe("api.openai.com");
    expect(normaliseHost("[2001:db8::1]:443")).toBe("2001:db8::1");
  });
});
