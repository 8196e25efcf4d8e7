import { autocompletion, type CompletionContext } from "@codemirror/autocomplete";
import { json } from "@codemirror/lang-json";
import { python } from "@codemirror/lang-python";
import CodeMirror from "@uiw/react-codemirror";
import { useMemo } from "react";

interface Props {
  id?: string;
  value: string;
  onChange: (value: string) => void;
  language: "python" | "json";
  readOnly?: boolean;
  suggestions?: readonly string[];
  height?: string;
  label?: string;
}

/** CodeMirror for code and JSON fields (loaded on demand to keep the editor bundle small). */
export default function CodeEditor({
  id,
  value,
  onChange,
  language,
  readOnly,
  suggestions = [],
  height = "160px",
  label,
}: Props) {
  const extensions = useMemo(() => {
    const lang = language === "json" ? json() : python();
    const complete = (ctx: CompletionContext) => {
      const word = ctx.matchBefore(/\{\{\s*[\w.]*/);
      if (!word) return null;
      const start = word.text.replace(/^\{\{\s*/, "");
      return {
        from: word.to - start.length,
        options: suggestions.map((s) => ({ label: s, type: "variable" })),
      };
    };
    return [lang, autocompletion({ override: [complete] })];
  }, [language, suggestions]);
  return (
    <div className="code-editor nodrag nowheel nokey" id={id}>
      <CodeMirror
        value={value}
        height={height}
        extensions={extensions}
        editable={!readOnly}
        readOnly={readOnly}
        basicSetup={{ lineNumbers: true, foldGutter: false, highlightActiveLine: false }}
        onChange={onChange}
        aria-label={label}
      />
    </div>
  );
}
