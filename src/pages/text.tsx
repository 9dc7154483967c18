import type { FC } from "hono/jsx";
import type { ContentOf } from "../codes/catalog";
import { FileLink, HeroImage, str, UserText } from "./parts";

/** A text code's page: its name, an image, the text itself and an optional file. */
export const TextPage: FC<{ content: ContentOf<"text">; title: string }> = ({ content, title }) => (
  <>
    <h1>
      <UserText text={title} />
    </h1>
    <HeroImage image={content.image} />
    <p class="body" dir="auto">
      {content.text}
    </p>
    {str(content.publicFilePath) && <FileLink file={content.publicFilePath} />}
  </>
);
