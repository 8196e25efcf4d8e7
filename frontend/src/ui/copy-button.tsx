import { useState } from "react";
import { toast } from "./toasts";

/** Copy `text` to the clipboard; says "Copied" for a moment. */
export function CopyButton({ text, label = "Copy", className }: { text: string; label?: string; className?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      toast("error", "Could not copy: the browser refused clipboard access. Select the text and copy it.");
    }
  };
  return (
    <button
      type="button"
      className={`copy-button nodrag${className ? ` ${className}` : ""}`}
      onClick={copy}
      aria-label={label}
    >
      {copied ? "Copied" : "Copy"}
    </button>
  );
}
