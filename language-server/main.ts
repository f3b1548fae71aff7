import { startLanguageServer } from 'langium/lsp';
import { NodeFileSystem } from 'langium/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { createSegmentServices } from './segment-module.js';

// The language server process: stdio or IPC, as the client asks on the command line.
const connection = createConnection(ProposedFeatures.all);
const { shared } = createSegmentServices({ connection, ...NodeFileSystem });
startLanguageServer(shared);
