import type { FC } from "hono/jsx";
import type { ContentOf } from "../codes/catalog";
import { Content, FileLink, HeroImage, Masthead, str } from "./parts";

/** A text code's page: its name and image in the masthead, then the text itself and an optional file. */
export const TextPage: FC<{ content: ContentOf<"text">; title: string }> = ({ content, title }) => (
  <>
    <Masthead title={title} mark={<HeroImage image={content.image} />} />
    <Content>
      <p class="body" dir="auto">
        {content.text}
      </p>
      {str(content.publicFilePath) && <FileLink file={content.publicFilePath} />}
    </Content>
  </>
);
