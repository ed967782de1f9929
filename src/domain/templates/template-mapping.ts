/**
 * How a notification kind maps onto an approved WhatsApp template. The shape is fixed here
 * (BRIEF.md, Templates); the notifications issue checks each mapping against its layout.
 */
import { Type, type Static } from '@sinclair/typebox';

/** Meta allows at most ten buttons on a template. */
const MAX_BUTTONS = 10;

/** A path into the normalised event (`customer.firstName`) or a literal with `{{path}}` placeholders. */
export const TemplateParam = Type.Union([
  Type.String({ minLength: 1, maxLength: 500 }),
  Type.Object(
    {
      value: Type.String({ minLength: 1, maxLength: 500 }),
      fallback: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    },
    { additionalProperties: false },
  ),
]);
export type TemplateParam = Static<typeof TemplateParam>;

export const TemplateButton = Type.Object(
  {
    index: Type.Integer({ minimum: 0, maximum: 9 }),
    type: Type.Union([Type.Literal('url'), Type.Literal('quick_reply')]),
    param: TemplateParam,
  },
  { additionalProperties: false },
);

export const LayoutButton = Type.Object(
  {
    index: Type.Integer({ minimum: 0, maximum: MAX_BUTTONS - 1 }),
    type: Type.Union([Type.Literal('url'), Type.Literal('quick_reply')]),
    dynamic: Type.Boolean({
      description: 'URL buttons: the URL ends in {{1}}, a suffix sent with each message. Quick replies: ignored',
    }),
  },
  { additionalProperties: false },
);
export type LayoutButton = Static<typeof LayoutButton>;

export const TemplateLayout = Type.Object(
  {
    bodyParams: Type.Integer({ minimum: 0, maximum: 60, description: 'How many {{n}} the body has' }),
    headerParams: Type.Optional(
      Type.Union([Type.Literal(0), Type.Literal(1)], { description: 'A text header has at most one {{1}}' }),
    ),
    buttons: Type.Optional(Type.Array(LayoutButton, { maxItems: MAX_BUTTONS })),
  },
  { additionalProperties: false },
);
export type TemplateLayout = Static<typeof TemplateLayout>;

export const TemplateMapping = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9_]{1,512}$', description: "The approved template's exact name" }),
    language: Type.String({ pattern: '^[a-z]{2,3}(_[A-Za-z]{2,4})?$', default: 'en' }),
    body: Type.Array(TemplateParam, { maxItems: 60, default: [] }),
    header: Type.Optional(Type.Array(TemplateParam, { maxItems: 1 })),
    buttons: Type.Optional(Type.Array(TemplateButton, { maxItems: 10 })),
    /** The approved template's parameter counts and buttons; required unless it is one of Orderline's defaults. */
    layout: Type.Optional(TemplateLayout),
  },
  { additionalProperties: false },
);
export type TemplateMapping = Static<typeof TemplateMapping>;
