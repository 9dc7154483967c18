import type { FC } from "hono/jsx";
import type { ContentOf } from "../codes/catalog";
import { FileLink, HeroImage, str, uploadPath, UserText } from "./parts";

/** An audio code's page: a player of the uploaded file (served by us, never a remote URL). */
export const AudioPage: FC<{ content: ContentOf<"audio">; title: string }> = ({ content, title }) => {
  const src = uploadPath(content.fileName);
  return (
    <>
      <h1>
        <UserText text={title} />
      </h1>
      <HeroImage image={content.image} />
      {src && (
        <>
          <audio controls preload="metadata" src={src}></audio>
          <p class="note">
            Not playing? <a href={src}>Open the audio file</a>.
          </p>
        </>
      )}
      {str(content.publicFilePath) && <FileLink file={content.publicFilePath} />}
    </>
  );
};
