;;; metacurate.el --- Metacurate's language server with Eglot  -*- lexical-binding: t; -*-

;; Load it from init.el (Emacs 29 or later, or an older Emacs with Eglot from ELPA):
;;
;;   (add-to-list 'load-path "/path/to/metacurate/editors/emacs")
;;   (require 'metacurate)
;;   (add-hook 'metacurate-entries-mode-hook #'eglot-ensure)
;;
;; Entry lists (*.entries.txt) open in `metacurate-entries-mode' and get the server by themselves.
;; For a JSON list (metadata.json) or a sample file (JSON Lines, CSV, TSV, text), run
;; M-x metacurate-eglot once: the server then takes every JSON, CSV and text buffer of that
;; project (Eglot gives a buffer one server, so in that project it replaces a JSON server).
;;
;; Settings are any of the metacurate.* settings: `metacurate-settings' (sent as the
;; initialization options), or per project in .dir-locals.el (Eglot answers workspace/configuration
;; and sends didChangeConfiguration from it):
;;
;;   ((nil . ((eglot-workspace-configuration . (:metacurate (:t 20000 :samplesFolder "data"))))))
;;
;; Eglot shows diagnostics (Flymake), quick fixes (M-x eglot-code-actions), hovers (ElDoc),
;; completion, xref definitions and references, imenu symbols and, with `eglot-inlay-hints-mode',
;; the counts as inlay hints. It does not draw semantic tokens: hover a caption to see its matches.

;;; Code:

(require 'eglot)

(defgroup metacurate nil
  "Metacurate's language server."
  :group 'tools)

(defcustom metacurate-command '("metacurate" "lsp" "--stdio")
  "Command that starts the server, e.g. (\"node\" \"/path/to/dist/cli.js\" \"lsp\" \"--stdio\")."
  :type '(repeat string))

(defcustom metacurate-settings '(:t 20000)
  "The metacurate.* settings, as a plist."
  :type 'plist)

(defconst metacurate-modes
  '(metacurate-entries-mode js-json-mode json-mode json-ts-mode csv-mode tsv-mode text-mode)
  "Major modes whose buffers of a project talk to the server once it runs there.")

(define-derived-mode metacurate-entries-mode text-mode "Entries"
  "Major mode of Metacurate entry lists (one entry a line).")

(add-to-list 'auto-mode-alist '("\\.entries\\.txt\\'" . metacurate-entries-mode))
(add-to-list 'auto-mode-alist '("\\.jsonl\\'" . js-json-mode))

(defun metacurate--contact (&optional _interactive)
  "The server command, with the settings as initialization options."
  (append metacurate-command
          (list :initializationOptions (list :settings (list :metacurate metacurate-settings)))))

(add-to-list 'eglot-server-programs '(metacurate-entries-mode . metacurate--contact))

(defun metacurate-eglot ()
  "Start Metacurate's server for this buffer's project, whatever the buffer's major mode."
  (interactive)
  (let ((eglot-server-programs (cons (cons metacurate-modes #'metacurate--contact) eglot-server-programs)))
    (call-interactively #'eglot)))

(provide 'metacurate)
;;; metacurate.el ends here
