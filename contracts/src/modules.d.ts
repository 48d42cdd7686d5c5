/**
 * The vscode-languageserver / -languageclient family declares its entry points only in
 * package.json `exports`, which the project's `moduleResolution: node` does not read; these ambient
 * declarations map the bare names onto the files that `exports` points at (esbuild and Node resolve
 * them at run time). Written once here and included by every project that speaks LSP, so the
 * server, the client and the tests see one set of protocol types.
 */
declare module 'vscode-jsonrpc' {
  export * from 'vscode-languageserver-protocol/node_modules/vscode-jsonrpc/lib/common/api';
}
declare module 'vscode-jsonrpc/node' {
  export * from 'vscode-languageserver-protocol/node_modules/vscode-jsonrpc/lib/node/main';
}
declare module 'vscode-languageserver-protocol' {
  export * from 'vscode-languageserver-protocol/lib/common/api';
}
declare module 'vscode-languageserver-protocol/node' {
  export * from 'vscode-languageserver-protocol/lib/node/main';
}
declare module 'vscode-languageserver' {
  export * from 'vscode-languageserver/lib/common/api';
}
declare module 'vscode-languageserver/node' {
  export * from 'vscode-languageserver/lib/node/main';
}
declare module 'vscode-languageclient' {
  export * from 'vscode-languageclient/lib/common/api';
}
declare module 'vscode-languageclient/node' {
  export * from 'vscode-languageclient/lib/node/main';
}
