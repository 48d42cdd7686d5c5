import { parseArgs } from 'node:util';
import { EXIT_OK, UsageError } from '../../../engine/src/errors';
import { withUsageErrors, type Command } from '../command';

export const lspCommand: Command = {
  name: 'lsp',
  summary: 'run the language server (metadata diagnostics, sample highlights) for any LSP editor',
  help: `Usage: metacurate lsp --stdio
       metacurate lsp --node-ipc
       metacurate lsp --socket=PORT

Runs the Metacurate language server on standard input/output (or Node IPC, or a socket), for
editors other than VS Code (Neovim, Helix, Emacs, ...). Metadata files (default globs
**/metadata.json, **/*.metadata.json, **/*.entries.txt) get diagnostics, quick fixes, hovers with
counts, inlay hints, symbols and WordNet completion; sample files (**/*.jsonl, **/*.tsv,
**/*.csv, **/*.txt) get their entry matches as semantic tokens (type metacurateEntry, modifiers
head/tail), hovers, go to definition and references.

Settings (metadataGlobs, sampleGlobs, samplesFolder, textField, t, previewRecords, padding) are
read from every channel a client may use: the initialization options { "settings": { "metacurate":
{ ... } } }, the settings of workspace/didChangeConfiguration, and workspace/configuration
(section "metacurate"). The initialization option "diagnostics" ("push", "pull"; default: pull when
the client can) picks how diagnostics are delivered. Clients without semanticTokens/refresh or
inlayHint/refresh can send the request metacurate/ready, answered once the workspace is indexed,
then ask for highlights and hints again. Without file watchers from the client, the server watches
the workspace folders itself. Editor set-ups: editors/ in the source tree (Neovim, Helix, Emacs).

A malformed message (bad header, body not JSON) is logged on stderr with the bytes received and
ends the server with status 1, so the client can start it again.

Options:
  --stdio              talk LSP over stdin/stdout
  --node-ipc           talk LSP over Node's IPC channel (when started by a Node parent)
  --socket=PORT        talk LSP over a TCP socket
  --clientProcessId=N  exit when process N ends
`,
  async run(argv) {
    const { values } = withUsageErrors(() =>
      parseArgs({
        args: argv,
        strict: true,
        options: {
          stdio: { type: 'boolean' },
          'node-ipc': { type: 'boolean' },
          socket: { type: 'string' },
          clientProcessId: { type: 'string' },
        },
      }),
    );
    if (!values.stdio && !values['node-ipc'] && values.socket === undefined) {
      throw new UsageError('choose a transport: --stdio, --node-ipc or --socket=PORT');
    }
    if (values.socket !== undefined && !/^[0-9]+$/.test(values.socket)) {
      throw new UsageError(`--socket: expected a port number, got ${JSON.stringify(values.socket)}`);
    }
    // Loaded here: the server's modules cost every other command ~0.1 s of start-up otherwise.
    const { startServer } = await import('../../lsp/languageServer');
    await startServer();
    return EXIT_OK;
  },
};
