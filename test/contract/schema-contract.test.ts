import { readFileSync } from 'node:fs';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
/** The shared contract with the additions issues made to it. */
const contract = buildSchema(`${read('./animation.graphql')}\n${read('./additions.graphql')}`);
const printed = buildSchema(read('../../schema.graphql'));

/** Every type, field, argument and enum value of the contract, with its type as printed (nullability included). */
function surface(schema: GraphQLSchema, only?: Set<string>): Map<string, string> {
  const entries = new Map<string, string>();
  for (const type of Object.values(schema.getTypeMap()) as GraphQLNamedType[]) {
    if (type.name.startsWith('__') || (only && !only.has(type.name))) continue;
    entries.set(type.name, kindOf(type));
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const iface of type.getInterfaces()) entries.set(`${type.name} implements ${iface.name}`, 'yes');
      for (const field of Object.values(type.getFields())) {
        entries.set(`${type.name}.${field.name}`, String(field.type));
        for (const arg of field.args) entries.set(`${type.name}.${field.name}(${arg.name})`, String(arg.type));
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) entries.set(`${type.name}.${field.name}`, String(field.type));
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) entries.set(`${type.name}.${value.name}`, 'value');
    }
  }
  return entries;
}

function kindOf(type: GraphQLNamedType): string {
  if (isObjectType(type)) return 'object';
  if (isInterfaceType(type)) return 'interface';
  if (isInputObjectType(type)) return 'input';
  if (isEnumType(type)) return 'enum';
  if (isScalarType(type)) return 'scalar';
  return 'union';
}

describe('schema.graphql against the public contract', () => {
  it('has every type, field, argument and enum value of the contract with the same nullability', () => {
    const wanted = surface(contract);
    const have = surface(printed);
    const missingOrDifferent = [...wanted].filter(([key, value]) => have.get(key) !== value);
    expect(missingOrDifferent.map(([key, value]) => `${key}: want ${value}, have ${have.get(key)}`)).toEqual([]);
  });

  it('adds no required argument or required input field the contract lacks', () => {
    const contractTypes = new Set(Object.keys(contract.getTypeMap()));
    const wanted = surface(contract);
    const added = [...surface(printed, contractTypes)].filter(
      ([key, value]) =>
        !wanted.has(key) && (key.includes('(') || isInputObjectType(printed.getType(key.split('.')[0]!))) && value.endsWith('!'),
    );
    expect(added).toEqual([]);
  });
});
