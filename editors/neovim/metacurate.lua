-- Metacurate's language server in Neovim (0.7 and later), with its built-in LSP client.
--
-- Put this file on your runtimepath as lua/metacurate.lua (e.g. ~/.config/nvim/lua/metacurate.lua)
-- and call, in init.lua:
--
--   require('metacurate').setup({
--     -- cmd = { 'metacurate', 'lsp', '--stdio' },   -- the default; or { 'node', '/path/to/dist/cli.js', 'lsp', '--stdio' }
--     settings = { t = 20000, samplesFolder = 'data' }, -- any of the metacurate.* settings
--   })
--
-- The server starts on JSON, JSON Lines, CSV, TSV and text files, one per workspace root (the
-- nearest folder above the file holding .git or metadata.json). It reads the settings from the
-- initialization options and from workspace/configuration, and watches the workspace itself.
--
-- With nvim-lspconfig instead of this file:
--
--   local configs = require('lspconfig.configs')
--   if not configs.metacurate then
--     configs.metacurate = {
--       default_config = {
--         cmd = { 'metacurate', 'lsp', '--stdio' },
--         filetypes = { 'json', 'jsonc', 'jsonl', 'csv', 'tsv', 'text' },
--         root_dir = require('lspconfig.util').root_pattern('metadata.json', '.git'),
--         settings = { metacurate = { t = 20000 } },
--       },
--     }
--   end
--   require('lspconfig').metacurate.setup({})
--
-- Matched entries in sample files are semantic tokens of type `metacurateEntry`, with the modifier
-- `head` (matched more than t times: subsampled) or `tail`. Neovim 0.9 and later colour them with
-- the highlight groups below (link or redefine them in your colour scheme); 0.10 and later also
-- show the counts as inlay hints.

local M = {}

M.defaults = {
  cmd = { 'metacurate', 'lsp', '--stdio' },
  -- Files the server is started for (it ignores the ones that are neither lists nor samples).
  patterns = { '*.json', '*.jsonl', '*.ndjson', '*.csv', '*.tsv', '*.txt' },
  root_markers = { '.git', 'metadata.json' },
  settings = {},
  inlay_hints = true,
}

--- Highlight groups of the semantic tokens (Neovim >= 0.9); `default` leaves a colour scheme's own.
function M.highlights()
  local set = vim.api.nvim_set_hl
  set(0, '@lsp.type.metacurateEntry', { default = true, underline = true, fg = '#4FC1FF' })
  set(0, '@lsp.typemod.metacurateEntry.tail', { default = true, underline = true, fg = '#4FC1FF' })
  set(0, '@lsp.typemod.metacurateEntry.head', { default = true, underline = true, bold = true, fg = '#F5A65B' })
end

--- The workspace root of a file: the nearest folder above it holding one of the markers, else its
--- own folder. (Walked by hand: finddir() reads a space or a comma in the path as a separator.)
local function root_of(path, markers)
  local start = vim.fn.fnamemodify(path, ':p:h')
  local dir = start
  while true do
    for _, marker in ipairs(markers) do
      if vim.loop.fs_stat(dir .. '/' .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return start
    end
    dir = parent
  end
end

local clients = {} -- Neovim 0.7: one client per root, started by hand.

--- Starts (or reuses) the server for a buffer.
function M.start(bufnr, opts)
  opts = opts or M.defaults
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == '' then
    return
  end
  local root = root_of(path, opts.root_markers)
  local config = {
    name = 'metacurate',
    cmd = opts.cmd,
    root_dir = root,
    -- Both channels: the initialization options, and workspace/configuration when offered.
    init_options = { settings = { metacurate = opts.settings } },
    settings = { metacurate = opts.settings },
    on_attach = function(client, attached)
      if opts.inlay_hints and vim.lsp.inlay_hint and client.server_capabilities.inlayHintProvider then
        pcall(vim.lsp.inlay_hint.enable, true, { bufnr = attached })
      end
    end,
  }
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients[root]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client(config)
    clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

function M.setup(opts)
  opts = vim.tbl_deep_extend('force', M.defaults, opts or {})
  M.highlights()
  local group = vim.api.nvim_create_augroup('metacurate', { clear = true })
  vim.api.nvim_create_autocmd('ColorScheme', { group = group, callback = M.highlights })
  vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
    group = group,
    pattern = opts.patterns,
    callback = function(args)
      M.start(args.buf, opts)
    end,
  })
end

return M
