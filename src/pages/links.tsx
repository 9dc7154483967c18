import type { FC } from "hono/jsx";
import type { ContentOf } from "../codes/catalog";
import { Content, ExternalLink, FileLink, HeroImage, Masthead, str, uploadPath, UserText } from "./parts";

/** A links code's page: a list of buttons, each with its own optional image. */
export const LinksPage: FC<{ content: ContentOf<"links">; title: string }> = ({ content, title }) => (
  <>
    <Masthead title={title} mark={<HeroImage image={content.image} />} />
    <Content>
      <ul class="links">
        {content.links.map((link) => {
          const image = uploadPath(link.image);
          return (
            <li>
              <ExternalLink class="button" href={link.url}>
                {image && <img src={image} alt="" />}
                <UserText text={link.name} />
              </ExternalLink>
            </li>
          );
        })}
      </ul>
      {str(content.publicFilePath) && <FileLink file={content.publicFilePath} />}
    </Content>
  </>
);
