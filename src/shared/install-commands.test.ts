import { describe, expect, it } from "vitest";
import { condaClientCommands, condaInstallCommands, environmentCommand, notebookCommand, pipInstallCommand, pythonClientCommands, tokenPlaceholder } from "./install-commands";

const base = "https://granary.example";
const publicPackage = { base, owner: "alice", name: "tools", isPrivate: false };
const privatePackage = { ...publicPackage, isPrivate: true };

function allCommands(target: typeof publicPackage) {
  return [
    ...condaInstallCommands(target, ["main", "dev"]),
    pipInstallCommand(target),
    environmentCommand(target, "env.yml"),
    notebookCommand(target, "analysis.ipynb"),
    ...condaClientCommands(target, "dev"),
    ...pythonClientCommands(target),
  ];
}

describe("install commands", () => {
  it("need no credentials for a public package", () => {
    expect(allCommands(publicPackage).map((entry) => entry.command)).toEqual([
      "conda install -c https://granary.example/alice tools",
      "conda install -c https://granary.example/alice/label/dev tools",
      "pip install --index-url https://granary.example/alice/simple/ tools",
      "conda env create --file https://granary.example/alice/files/environments/env.yml",
      "curl -O https://granary.example/alice/files/notebooks/analysis.ipynb",
      "conda install -c https://granary.example/alice/label/dev tools",
      "mamba install -c https://granary.example/alice/label/dev tools",
      "pixi add --channel https://granary.example/alice/label/dev tools",
      "pip install --index-url https://granary.example/alice/simple/ tools",
      "poetry source add --priority=supplemental granary https://granary.example/alice/simple/\npoetry add --source granary tools",
    ]);
  });

  it("reach a private package with a token placeholder, in the forms each client reads", () => {
    expect(allCommands(privatePackage)).toEqual([
      { label: "With conda (a token with conda:download)", command: "conda install -c https://granary.example/t/<TOKEN>/alice tools" },
      { label: "From the dev label (a token with conda:download)", command: "conda install -c https://granary.example/t/<TOKEN>/alice/label/dev tools" },
      { label: "With pip (a token with pypi:download)", command: "pip install --index-url https://__token__:<TOKEN>@granary.example/alice/simple/ tools" },
      { label: "Create the environment", command: "conda env create --file https://granary.example/t/<TOKEN>/alice/files/environments/env.yml" },
      { label: "Download the notebook", command: "curl -O https://granary.example/t/<TOKEN>/alice/files/notebooks/analysis.ipynb" },
      { label: "conda (a token with conda:download)", command: "conda install -c https://granary.example/t/<TOKEN>/alice/label/dev tools" },
      { label: "mamba (a token with conda:download)", command: "mamba install -c https://granary.example/t/<TOKEN>/alice/label/dev tools" },
      { label: "pixi (a token with conda:download)", command: "pixi add --channel https://granary.example/t/<TOKEN>/alice/label/dev tools" },
      { label: "pip (a token with pypi:download)", command: "pip install --index-url https://__token__:<TOKEN>@granary.example/alice/simple/ tools" },
      {
        label: "poetry (a token with pypi:download)",
        command:
          "poetry source add --priority=supplemental granary https://granary.example/alice/simple/\npoetry config http-basic.granary __token__ <TOKEN>\npoetry add --source granary tools",
      },
    ]);
  });

  it("never suggest a password in a URL", () => {
    for (const entry of allCommands(privatePackage)) {
      const credentials = /:\/\/([^@/\s]+)@/.exec(entry.command)?.[1];
      if (credentials) expect(credentials).toBe(`__token__:${tokenPlaceholder}`);
      expect(`${entry.label} ${entry.command}`).not.toMatch(/password/i);
    }
  });
});
