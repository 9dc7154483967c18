import type { FC } from "hono/jsx";
import type { ContentOf } from "../codes/catalog";
import { Content, FileLink, HeroImage, Masthead, str, uploadPath } from "./parts";

/** An audio code's page: a player of the uploaded file (served by us, never a remote URL). */
export const AudioPage: FC<{ content: ContentOf<"audio">; title: string }> = ({ content, title }) => {
  const src = uploadPath(content.fileName);
  return (
    <>
      <Masthead title={title} mark={<HeroImage image={content.image} />} />
      <Content>
        {src && (
          <>
            <audio controls preload="metadata" src={src}></audio>
            <p class="note">
              Not playing? <a href={src}>Open the audio file</a>.
            </p>
          </>
        )}
        {str(content.publicFilePath) && <FileLink file={content.publicFilePath} />}
      </Content>
    </>
  );
};
