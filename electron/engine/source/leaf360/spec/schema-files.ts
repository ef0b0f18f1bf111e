/**
 * The JSON files under schema/ (EXPORT-FORMAT.md §4.6, §4.7, §4.10): their keys and zod schemas for
 * the shapes a conformant exporter writes. Unknown keys are allowed (§1 minor versions).
 */
import { z } from 'zod'
import { KEY_PATTERN, PROPERTY_NAME_PATTERN } from './value-types'

/** Stage keys of pipelines.json (§4.6), in order. */
export const STAGE_KEYS = [
  'stage_id',
  'label',
  'display_order',
  'probability',
  'is_closed',
  'outcome',
  'milestone_group',
  'sla_hours',
  'archived',
] as const

/** Pipeline keys of pipelines.json (§4.6), in order. */
export const PIPELINE_KEYS = [
  'pipeline_id',
  'label',
  'object_type',
  'display_order',
  'is_default',
  'active',
  'archived',
  'created_at',
  'updated_at',
  'stages',
] as const

/** One stage element of pipelines.json. */
export const stageJsonSchema = z.looseObject({
  stage_id: z.string().regex(KEY_PATTERN),
  label: z.string(),
  display_order: z.number().int(),
  probability: z.number().min(0).max(1),
  is_closed: z.boolean(),
  outcome: z.enum(['open', 'won', 'lost']),
  milestone_group: z.string(),
  sla_hours: z.number().int().nullable().optional(),
  archived: z.boolean(),
})

/** One pipeline element of pipelines.json. */
export const pipelineJsonSchema = z.looseObject({
  pipeline_id: z.string().regex(KEY_PATTERN),
  label: z.string(),
  object_type: z.literal('deals'),
  display_order: z.number().int(),
  is_default: z.boolean(),
  active: z.boolean(),
  archived: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
  stages: z.array(stageJsonSchema),
})

/** `schema/pipelines.json`: `{"pipelines":[…]}`. */
export const pipelinesFileSchema = z.looseObject({ pipelines: z.array(pipelineJsonSchema) })

/** Keys of one association type in association_definitions.json (§4.7), in order. */
export const ASSOCIATION_DEFINITION_KEYS = [
  'association_type_id',
  'from_object_type',
  'to_object_type',
  'label',
  'value',
  'category',
  'inverse_type_id',
  'allows_primary',
] as const

/** One element of association_definitions.json. */
export const associationDefinitionJsonSchema = z.looseObject({
  association_type_id: z.number().int(),
  from_object_type: z.string(),
  to_object_type: z.string(),
  label: z.string().nullable(),
  value: z.string().nullable(),
  category: z.enum(['LEAF360_DEFINED', 'USER_DEFINED']),
  inverse_type_id: z.number().int().nullable(),
  allows_primary: z.boolean(),
})

/** `schema/association_definitions.json`: `{"association_types":[…]}`. */
export const associationDefinitionsFileSchema = z.looseObject({
  association_types: z.array(associationDefinitionJsonSchema),
})

/** Property `type` values (§4.10). */
export const PROPERTY_TYPES = ['string', 'number', 'date', 'datetime', 'enumeration', 'bool'] as const
/** One property `type`. */
export type PropertyType = (typeof PROPERTY_TYPES)[number]

/** Property `field_type` values (§4.10); `checkbox` is multi-valued. */
export const PROPERTY_FIELD_TYPES = [
  'text',
  'textarea',
  'select',
  'radio',
  'checkbox',
  'booleancheckbox',
  'date',
  'number',
  'phonenumber',
  'calculation',
] as const
/** One property `field_type`. */
export type PropertyFieldType = (typeof PROPERTY_FIELD_TYPES)[number]

/** Keys of one property definition (§4.10), in the order the generator writes them. */
export const PROPERTY_DEFINITION_KEYS = [
  'name',
  'label',
  'type',
  'field_type',
  'options',
  'group_name',
  'description',
  'is_custom',
  'has_unique_value',
  'calculation_formula',
  'display_order',
  'created_at',
  'archived',
] as const

/** One option of an enumeration property (§4.10). */
export const propertyOptionJsonSchema = z.looseObject({
  value: z.string(),
  label: z.string(),
  display_order: z.number().int(),
  hidden: z.boolean(),
})

/** One property definition (§4.10). */
export const propertyDefinitionJsonSchema = z.looseObject({
  name: z.string().regex(PROPERTY_NAME_PATTERN),
  label: z.string(),
  type: z.enum(PROPERTY_TYPES),
  field_type: z.enum(PROPERTY_FIELD_TYPES),
  options: z.array(propertyOptionJsonSchema).optional(),
  group_name: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  is_custom: z.boolean(),
  has_unique_value: z.boolean().optional(),
  calculation_formula: z.string().nullable().optional(),
  display_order: z.number().int(),
  created_at: z.string().nullable().optional(),
  archived: z.boolean().optional(),
})

/** `schema/property_definitions_{object}.json`: `{"object_type":"contacts","properties":[…]}`. */
export const propertyDefinitionsFileSchema = z.looseObject({
  object_type: z.enum(['contacts', 'companies', 'deals', 'engagements']),
  properties: z.array(propertyDefinitionJsonSchema),
})

/** A property definition as parsed. */
export type PropertyDefinitionJson = z.infer<typeof propertyDefinitionJsonSchema>

/**
 * The §5 value type of a custom property (§4.10: `number` → decimal, `enumeration` → enum, multi for
 * `checkbox`, the rest by name; `bool` → bool, `phonenumber` field → phone).
 */
export function valueTypeOfProperty(property: Pick<PropertyDefinitionJson, 'type' | 'field_type'>): Readonly<{
  type: 'string' | 'decimal' | 'date' | 'datetime' | 'enum' | 'bool' | 'phone'
  multi: boolean
}> {
  switch (property.type) {
    case 'number':
      return { type: 'decimal', multi: false }
    case 'enumeration':
      return { type: 'enum', multi: property.field_type === 'checkbox' }
    case 'date':
      return { type: 'date', multi: false }
    case 'datetime':
      return { type: 'datetime', multi: false }
    case 'bool':
      return { type: 'bool', multi: false }
    case 'string':
      return { type: property.field_type === 'phonenumber' ? 'phone' : 'string', multi: false }
  }
}
