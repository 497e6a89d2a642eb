/** The content an email step sends: its own (edited in the dashboard), else its preset's default. */
import type { Step } from "../flows/definition";
import type { EmailContent } from "./content";
import { defaultEmailContent } from "./defaults";

export type EmailStep = Extract<Step, { kind: "send_email" }>;

/** A minimal email for a template id without default content (a custom flow not edited yet). */
function fallbackContent(subject: string): EmailContent {
  return {
    subject,
    previewText: "",
    blocks: [
      { type: "text", text: "Hi {{ profile.first_name | default: \"there\" }}," },
      { type: "text", text: subject },
      { type: "button", label: "Visit {{ shop.name }}", href: "{{ shop.url }}" },
    ],
  };
}

/** The step's content with the step's subject (the subject the flow page shows). */
export function emailContentOfStep(step: EmailStep): EmailContent {
  const content = step.content ?? defaultEmailContent(step.template) ?? fallbackContent(step.subject);
  return { ...content, subject: step.content?.subject ?? step.subject };
}
