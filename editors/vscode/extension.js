// The OptionRules extension: starts `optionrules lsp` (the language server, over stdio) for .contract files.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("optionrules").get("command");
  client = new LanguageClient(
    "optionrules",
    "OptionRules",
    { command, args },
    { documentSelector: [{ scheme: "file", language: "optionrules" }, { scheme: "untitled", language: "optionrules" }] },
  );
  context.subscriptions.push(client);
  return client.start().catch((error) => {
    vscode.window.showErrorMessage(
      `OptionRules: cannot start '${[command, ...args].join(" ")}' (${error.message}). ` +
        "Install the server with pip install 'optionrules[lsp]', or set optionrules.command.",
    );
  });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
