import Markdown from "markdown-to-jsx";

// Raw HTML stays text (a note is user data); the library's URL sanitizer drops javascript: links.
const options = { disableParsingRawHTML: true, forceBlock: true } as const;

/** A sticky note's text rendered as Markdown. */
export default function NoteMarkdown({ text }: { text: string }) {
  return <Markdown options={options}>{text}</Markdown>;
}
