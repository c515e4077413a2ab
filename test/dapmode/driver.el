;;; driver.el --- drives the standalone I/O machine adapter from Emacs dap-mode, in batch  -*- lexical-binding: t -*-
;;
;; emacs --batch -l test/dapmode/driver.el ADAPTER PROGRAM BREAKPOINT-LINE CONFIG
;;
;; CONFIG is the dap-mode configuration README.md gives (the test extracts it), loaded as a user's init would. Then,
;; in PROGRAM's buffer: a breakpoint, `dap-debug' with the README's template, continue, step over and in, variables,
;; a console command with an argument evaluated as `dap-eval' does (a hover), disconnect; all with dap-mode's I/O
;; printing on (every message it receives is re-encoded as JSON, which is what failed on the iomachine/state event).
;; Prints one line `DAPMODE-RESULT <json>' with what dap-mode received; test/debug/dapmode.test.ts judges it.

(require 'json)
(require 'dap-mode)
;; dap-mode expects its UI module loaded (dap-auto-configure-mode would load it): exception breakpoints live there.
(require 'dap-ui)

(defvar iomachine-adapter (nth 0 command-line-args-left))
(defvar iom-program (nth 1 command-line-args-left))
(defvar iom-line (string-to-number (nth 2 command-line-args-left)))
(defvar iom-config (nth 3 command-line-args-left))
(setq command-line-args-left nil)
;; The README's configuration: its `defvar' of iomachine-adapter keeps the value given above.
(load iom-config nil t)

(setq dap-print-io t
      dap-inhibit-io nil
      dap-auto-show-output nil
      dap-auto-configure-features nil)

(defvar iom-result (list))
(defvar iom-stops (list))
(defvar iom-messages (list))
(defvar iom-errors (list))

(defun iom-note (key value)
  (setq iom-result (plist-put iom-result key value)))

;; Everything dap-mode says (its "No message handler", a filter error) is kept for the test.
(advice-add 'message :around
            (lambda (orig fmt &rest args)
              (let ((text (and fmt (apply #'format fmt args))))
                (when text (push text iom-messages))
                (apply orig fmt args))))

(add-hook 'dap-stopped-hook
          (lambda (_session) (push 'stopped iom-stops)))

(defun iom-wait (pred what &optional seconds)
  "Runs the event loop until PRED holds, at most SECONDS (10)."
  (let ((deadline (+ (float-time) (or seconds 10))))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (unless (funcall pred) (push (format "timeout waiting for %s" what) iom-errors))))

(defun iom-stopped-count () (length iom-stops))

(defun iom-request (session command &rest args)
  "A request through dap-mode's own sender; returns the parsed response (a hash table)."
  (let ((result nil))
    (dap--send-message (dap--make-request command args)
                       (lambda (res) (setq result (or res :finished)))
                       session)
    (iom-wait (lambda () result) command)
    result))

(defun iom-top-frame (session)
  (let* ((thread (dap--debug-session-thread-id session))
         (resp (iom-request session "stackTrace" :threadId thread)))
    (car (gethash "stackFrames" (gethash "body" resp)))))

(condition-case err
    (progn
      ;; The breakpoint, set in the program's buffer as a person would.
      (find-file iom-program)
      (goto-char (point-min))
      (forward-line (1- iom-line))
      (dap-breakpoint-add)
      (dap-debug (copy-tree (cdr (assoc "I/O Machine: debug this file" dap-debug-template-configurations))))
      (iom-wait (lambda () (>= (iom-stopped-count) 1)) "the entry stop")
      (let ((session (dap--cur-session)))
        (iom-note :entryLine (gethash "line" (iom-top-frame session)))
        ;; continue: to the breakpoint
        (dap-continue session (dap--debug-session-thread-id session))
        (iom-wait (lambda () (>= (iom-stopped-count) 2)) "the breakpoint")
        (iom-note :breakpointLine (gethash "line" (iom-top-frame session)))
        ;; next: one operation
        (dap-next session)
        (iom-wait (lambda () (>= (iom-stopped-count) 3)) "next")
        (iom-note :nextLine (gethash "line" (iom-top-frame session)))
        ;; step in: into the kernel path
        (dap-step-in session)
        (iom-wait (lambda () (>= (iom-stopped-count) 4)) "step in")
        (let* ((frame (iom-top-frame session))
               (source (gethash "source" frame)))
          (iom-note :stepInFrame (gethash "name" frame))
          (iom-note :stepInSourceReference (and source (gethash "sourceReference" source))))
        ;; variables: the registers scope of the top frame
        (let* ((frame (iom-top-frame session))
               (scopes (gethash "scopes" (gethash "body" (iom-request session "scopes" :frameId (gethash "id" frame)))))
               (regs (seq-find (lambda (s) (equal (gethash "name" s) "Registers")) scopes))
               (vars (gethash "variables" (gethash "body" (iom-request session "variables" :variablesReference (gethash "variablesReference" regs))))))
          (iom-note :scopes (vconcat (mapcar (lambda (s) (gethash "name" s)) scopes)))
          (iom-note :registers (vconcat (mapcar (lambda (v) (gethash "name" v)) vars))))
        ;; evaluate as dap-eval does it (context "hover"), with dap-mode's own display of the answer
        (let ((shown nil))
          (advice-add 'dap-overlays--display-interactive-eval-result :override
                      (lambda (value _point) (setq shown value)))
          (dap-eval "vmtouch /srv/index.html")
          (iom-wait (lambda () shown) "dap-eval")
          (iom-note :evaluate shown))
        ;; disconnect: the adapter answers and exits
        (let ((done nil))
          (dap--send-message (dap--make-request "disconnect" (list :restart :json-false))
                             (lambda (_res) (setq done t))
                             session)
          (iom-wait (lambda () done) "disconnect")
          (iom-note :disconnected done))
        (iom-wait (lambda () (not (process-live-p (dap--debug-session-proc session)))) "the adapter to exit" 5)
        (iom-note :adapterExited (not (process-live-p (dap--debug-session-proc session))))))
  (error (push (format "%S" err) iom-errors)))

(iom-note :stops (length iom-stops))
(iom-note :received (length (seq-filter (lambda (m) (string-prefix-p "Received:" m)) iom-messages)))
(iom-note :noHandler (vconcat (seq-filter (lambda (m) (string-match-p "No message handler" m)) iom-messages)))
(iom-note :jsonErrors (vconcat (seq-filter (lambda (m) (string-match-p "Bad JSON\\|json-\\|error in process filter" m)) iom-messages)))
(iom-note :errors (vconcat (reverse iom-errors)))
(princ (format "DAPMODE-RESULT %s\n" (json-encode iom-result)))
(kill-emacs 0)
