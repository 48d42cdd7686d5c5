-- Drives `metacurate lsp --stdio` through Neovim's built-in LSP client (Neovim >= 0.7), headless,
-- on a workspace whose path holds a space, `#` and `ü` (Neovim spells them %20, %23, %c3%bc).
-- Run by scripts/nvim/run.sh, which makes the workspace and counts the lines this prints:
-- `PASS name` or `FAIL name -- detail`, one per check.
--
-- Environment: METACURATE_CLI (dist/cli.js), METACURATE_WS (an empty folder to fill).

local CLI = assert(os.getenv('METACURATE_CLI'), 'METACURATE_CLI is not set')
local WS = assert(os.getenv('METACURATE_WS'), 'METACURATE_WS is not set')
local METADATA = WS .. '/metadata.json'
local SAMPLE = WS .. '/samples/a.jsonl'
local TIMEOUT = 20000

local function write(path, lines)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ':h'), 'p')
  vim.fn.writefile(lines, path)
end

write(METADATA, { '[', '  "dog",', '  "red car",', '  "dog",', '  "cat ",', '  "Eiffel"', ']' })
write(SAMPLE, {
  '{"caption": "a dog by a red car"}',
  '{"caption": "the dog near the Eiffel Tower"}',
  '{"caption": "a cat on a mat"}',
})

local function out(line)
  io.stdout:write(line .. '\n')
  io.stdout:flush()
end

--- Runs one check: `fn` returns true, or false / raises with a detail.
local function check(name, fn)
  local ok, result, detail = pcall(fn)
  if ok and result then
    out('PASS ' .. name)
  else
    out('FAIL ' .. name .. ' -- ' .. tostring(ok and (detail or result) or result):gsub('%s+', ' '))
  end
end

local function wait(condition, ms)
  return vim.wait(ms or TIMEOUT, condition, 20)
end

-- What the server sent, by kind.
local diagnostics = {}
local statuses = {}
local exit_code

local function handlers()
  return {
    ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
      diagnostics[vim.uri_to_fname(result.uri)] = result.diagnostics
      return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
    end,
    ['metacurate/status'] = function(_, result)
      table.insert(statuses, result)
    end,
  }
end

local function start(name, capabilities, settings, extra)
  local config = {
    name = name,
    cmd = { 'node', CLI, 'lsp', '--stdio' },
    root_dir = WS,
    capabilities = capabilities,
    init_options = { settings = { metacurate = { t = 1 } } },
    settings = settings,
    handlers = handlers(),
    on_exit = function(code)
      exit_code = code
    end,
  }
  for k, v in pairs(extra or {}) do
    config[k] = v
  end
  return vim.lsp.start_client(config)
end

--- The one answer of a request to the client attached to `bufnr`, or raises.
local function request(bufnr, method, params)
  local results, err = vim.lsp.buf_request_sync(bufnr, method, params, TIMEOUT)
  if not results then
    error(method .. ': ' .. tostring(err))
  end
  for _, r in pairs(results) do
    if r.error or r.err then
      error(method .. ': ' .. vim.inspect(r.error or r.err))
    end
    return r.result
  end
  error(method .. ': no answer')
end

--- 0-based line and character of the first `needle` in the buffer (ASCII text).
local function find(bufnr, needle, delta)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local at = line:find(needle, 1, true)
    if at then
      return { line = i - 1, character = at - 1 + (delta or 0) }
    end
  end
  error(needle .. ' not in the buffer')
end

local function text_document(bufnr)
  return { uri = vim.uri_from_bufnr(bufnr) }
end

local function position_params(bufnr, needle, delta)
  return { textDocument = text_document(bufnr), position = find(bufnr, needle, delta) }
end

local function open(path, client)
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(bufnr, client)
  return bufnr
end

local function ready(bufnr)
  return request(bufnr, 'metacurate/ready', {})
end

local function hover_text(bufnr, needle)
  local hover = request(bufnr, 'textDocument/hover', position_params(bufnr, needle, 1))
  return hover and hover.contents.value or ''
end

local function codes(list)
  local out_codes = {}
  for _, d in ipairs(list or {}) do
    table.insert(out_codes, d.code)
  end
  return table.concat(out_codes, ',')
end

--- The text each semantic token of a buffer covers.
local function token_texts(bufnr, tokens)
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local texts = {}
  local line, char = 0, 0
  local data = tokens.data
  for i = 1, #data, 5 do
    line = line + data[i]
    char = (data[i] == 0) and (char + data[i + 1]) or data[i + 1]
    table.insert(texts, lines[line + 1]:sub(char + 1, char + data[i + 2]))
  end
  return texts
end

-- -----------------------------------------------------------------------------------------------
-- Neovim's client as shipped: no workspace/configuration, no file watchers, no refresh requests.
-- -----------------------------------------------------------------------------------------------

local client = start('metacurate', vim.lsp.protocol.make_client_capabilities(), {})
local meta = open(METADATA, client)

check('the URIs Neovim sends spell the path in lower-case hex', function()
  local uri = vim.uri_from_bufnr(meta)
  return uri:find('%%c3%%bc') and uri:find('%%23') and uri:find('%%20'), uri
end)

check('diagnostics: duplicate and trailing space', function()
  wait(function()
    return diagnostics[METADATA] ~= nil
  end)
  local got = codes(diagnostics[METADATA])
  return got == 'duplicate,trailing-space', got
end)

check('status: one metadata file, the open one', function()
  local status = ready(meta)
  return #status.metadataUris == 1 and vim.uri_to_fname(status.metadataUris[1]) == METADATA,
    vim.inspect(status.metadataUris)
end)

check('hover: an entry of the open list with its counts', function()
  local text = hover_text(meta, '"red car"')
  return text:find('Sample matches: %*%*1%*%* of 3 records in 1 sample file') ~= nil
    and text:find('Not the active metadata list') == nil, text
end)

check('inlay hints: counts beside every entry', function()
  local hints = request(meta, 'textDocument/inlayHint', {
    textDocument = text_document(meta),
    range = { start = { line = 0, character = 0 }, ['end'] = { line = 7, character = 0 } },
  })
  local labels = {}
  for _, h in ipairs(hints) do
    table.insert(labels, h.label)
  end
  local got = table.concat(labels, ' | ')
  -- "cat " (trailing space) matches only before a doubled space: none in the samples.
  return got == '2 · p 0.50 | 1 · p 1.00 | 2 · p 0.50 | 0 · p 1.00 | 1 · p 1.00', got
end)

check('document and workspace symbols', function()
  local symbols = request(meta, 'textDocument/documentSymbol', { textDocument = text_document(meta) })
  local found = request(meta, 'workspace/symbol', { query = 'red' })
  return #symbols == 5 and #found == 1 and found[1].name == 'red car'
    and vim.uri_to_fname(found[1].location.uri) == METADATA, #symbols .. ' symbols, ' .. vim.inspect(found)
end)

check('code action applied: remove the duplicate, and the diagnostic goes', function()
  local duplicate
  for _, d in ipairs(diagnostics[METADATA]) do
    if d.code == 'duplicate' then
      duplicate = d
    end
  end
  local actions = request(meta, 'textDocument/codeAction', {
    textDocument = text_document(meta),
    range = duplicate.range,
    context = { diagnostics = { duplicate } },
  })
  local remove
  for _, a in ipairs(actions) do
    if a.title == 'Remove duplicate entry' then
      remove = a
    end
  end
  vim.lsp.util.apply_workspace_edit(remove.edit, 'utf-16')
  local lines = table.concat(vim.api.nvim_buf_get_lines(meta, 0, -1, false), '\n')
  local _, dogs = lines:gsub('"dog"', '')
  wait(function()
    return codes(diagnostics[METADATA]) == 'trailing-space'
  end)
  return dogs == 1 and codes(diagnostics[METADATA]) == 'trailing-space', lines
end)

check('completion: "Eiffel T" completes to "Eiffel Tower", as WordNet spells it', function()
  local row = find(meta, '"Eiffel"').line
  vim.api.nvim_buf_set_lines(meta, row, row + 1, false, { '  "Eiffel",', '  "Eiffel T"' })
  local list = request(meta, 'textDocument/completion', position_params(meta, 'Eiffel T', #'Eiffel T'))
  local tower
  for _, item in ipairs(list.items or list) do
    if item.label == 'Eiffel Tower' then
      tower = item
    end
  end
  vim.lsp.util.apply_text_edits({ tower.textEdit }, meta, 'utf-16')
  local line = vim.api.nvim_buf_get_lines(meta, row + 1, row + 2, false)[1]
  return line == '  "Eiffel Tower"', line
end)

check('edit: an entry typed into the list is highlighted in the sample', function()
  local row = find(meta, '"red car"').line
  vim.api.nvim_buf_set_lines(meta, row + 1, row + 1, false, { '  "near",' })
  ready(meta)
  local sample = open(SAMPLE, client)
  ready(sample)
  local texts = table.concat(token_texts(sample, request(sample, 'textDocument/semanticTokens/full', {
    textDocument = text_document(sample),
  })), ',')
  return texts == 'dog,red car,dog,near,Eiffel Tower', texts
end)

check('definition: from a match in the sample to its entry', function()
  local sample = vim.fn.bufnr(SAMPLE)
  local locations = request(sample, 'textDocument/definition', position_params(sample, 'red car', 2))
  local loc = locations[1]
  return #locations == 1 and vim.uri_to_fname(loc.uri) == METADATA
    and loc.range.start.line == find(meta, '"red car"').line, vim.inspect(locations)
end)

check('references: every match of an entry in the samples', function()
  local refs = request(meta, 'textDocument/references', {
    textDocument = text_document(meta),
    position = find(meta, '"dog"', 2),
    context = { includeDeclaration = false },
  })
  local lines = {}
  for _, r in ipairs(refs) do
    if vim.uri_to_fname(r.uri) ~= SAMPLE then
      return false, r.uri
    end
    table.insert(lines, r.range.start.line)
  end
  return table.concat(lines, ',') == '0,1', vim.inspect(refs)
end)

check('settings pushed with workspace/didChangeConfiguration', function()
  vim.lsp.get_client_by_id(client).notify('workspace/didChangeConfiguration', {
    settings = { metacurate = { t = 5 } },
  })
  wait(function()
    return statuses[#statuses].busy
  end, 2000)
  ready(meta)
  local text = hover_text(meta, '"dog"')
  return text:find('Keep probability at t = 5:', 1, true) ~= nil, text
end)

--- Waits until the server has sent no status for `quiet_ms` and the last one is idle.
local function settle(quiet_ms)
  local count, since = -1, vim.loop.now()
  return wait(function()
    if #statuses ~= count then
      count, since = #statuses, vim.loop.now()
    end
    return vim.loop.now() - since >= quiet_ms and count > 0 and not statuses[count].busy
  end)
end

check('a sample file added on disk is counted without file watchers', function()
  settle(1000)
  local before = statuses[#statuses].sampleRecords
  write(WS .. '/samples/more/b.jsonl', { '{"caption": "another dog"}' })
  local seen = wait(function()
    local s = statuses[#statuses]
    return s.sampleRecords == before + 1 and not s.busy
  end)
  return seen, 'records ' .. before .. ' -> ' .. statuses[#statuses].sampleRecords
end)

check('shutdown and exit end the server with status 0', function()
  vim.lsp.stop_client(client)
  wait(function()
    return exit_code ~= nil
  end)
  return exit_code == 0, exit_code
end)

-- -----------------------------------------------------------------------------------------------
-- As nvim-lspconfig sets the client up: workspace/configuration offered and answered from
-- `settings`, which it also pushes once initialized.
-- -----------------------------------------------------------------------------------------------

local capabilities = vim.lsp.protocol.make_client_capabilities()
capabilities.workspace.configuration = true
exit_code = nil
local lspconfig = start('metacurate-lspconfig', capabilities, { metacurate = { t = 3 } }, {
  on_init = function(c)
    c.notify('workspace/didChangeConfiguration', { settings = c.config.settings })
    return true
  end,
})
vim.lsp.buf_attach_client(meta, lspconfig)

check('nvim-lspconfig set-up: settings answered to workspace/configuration', function()
  wait(function()
    return vim.lsp.get_client_by_id(lspconfig).initialized
  end)
  ready(meta)
  local text = hover_text(meta, '"dog"')
  return text:find('Keep probability at t = 3:', 1, true) ~= nil, text
end)

vim.lsp.stop_client(lspconfig)
wait(function()
  return exit_code ~= nil
end, 5000)

-- -----------------------------------------------------------------------------------------------
-- The set-up shipped in editors/neovim/metacurate.lua.
-- -----------------------------------------------------------------------------------------------

check('editors/neovim/metacurate.lua starts the server for a list it finds the root of', function()
  local metacurate = dofile('editors/neovim/metacurate.lua')
  metacurate.setup({ cmd = { 'node', CLI, 'lsp', '--stdio' }, settings = { t = 4 } })
  local list = WS .. '/lists/extra.metadata.json'
  write(list, { '["sea", "boat", "sea"]' })
  vim.cmd('edit ' .. vim.fn.fnameescape(list))
  local bufnr = vim.api.nvim_get_current_buf()
  wait(function()
    return diagnostics[list] ~= nil or #vim.diagnostic.get(bufnr) > 0
  end)
  local got = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(got, d.code or d.user_data and d.user_data.lsp and d.user_data.lsp.code)
  end
  local clients_of = vim.lsp.buf_get_clients(bufnr)
  local root
  for _, c in pairs(clients_of) do
    root = c.config.root_dir
  end
  return table.concat(got, ',') == 'duplicate' and root == WS, table.concat(got, ',') .. ' root ' .. tostring(root)
end)

vim.cmd('qa!')
