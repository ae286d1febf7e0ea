import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsJSON, IsNumber, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { UserError } from '../../common/errors';
import { ColumnType } from './dataset-schema';
import { ImportFileArgs } from './datasets.service';

/** The text fields of a `POST /datasets` upload (multipart form fields are text). */
export class ImportDatasetDto {
  @ApiPropertyOptional({ description: 'Dataset name; default: the file name without extension.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ enum: ['csv', 'jsonl'], description: 'Default: from the file name.' })
  @IsOptional()
  @IsIn(['csv', 'jsonl'])
  format?: 'csv' | 'jsonl';

  @ApiPropertyOptional({ description: 'CSV delimiter; default: detected from the header.' })
  @IsOptional()
  @IsString()
  @Length(1, 1)
  delimiter?: string;

  @ApiPropertyOptional({ description: 'The outcome column a model learns to predict.' })
  @IsOptional()
  @IsString()
  target?: string;

  @ApiPropertyOptional({ description: 'The target value that counts as positive, e.g. yes.' })
  @IsOptional()
  @IsString()
  positiveLabel?: string;

  @ApiPropertyOptional({ description: 'The customer id column; default: derived from the row.' })
  @IsOptional()
  @IsString()
  idColumn?: string;

  @ApiPropertyOptional({ description: 'Comma-separated columns kept out of training.' })
  @IsOptional()
  @IsString()
  exclude?: string;

  @ApiPropertyOptional({
    description:
      'Comma-separated personal columns (email, phone, name …), all of them; empty for none. ' +
      'Default: the columns named like personal data, as the profile notes.',
  })
  @IsOptional()
  @IsString()
  personal?: string;

  @ApiPropertyOptional({
    description: 'JSON object of column types to override, e.g. {"pdays":"categorical"}.',
  })
  @IsOptional()
  @IsJSON()
  types?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'Default: the server setting.' })
  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(1)
  maxBadRowShare?: number;
}

/** The multipart body as the API documentation shows it. */
export class ImportDatasetForm extends ImportDatasetDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'A CSV or JSON-lines file.' })
  file: unknown;
}

/** The import arguments a form asks for (the file itself comes separately). */
export function importArgsFrom(
  dto: ImportDatasetDto,
): Omit<ImportFileArgs, 'file' | 'fileName' | 'onProgress'> {
  const exclude = splitNames(dto.exclude);

  return {
    name: dto.name,
    format: dto.format,
    delimiter: dto.delimiter,
    target: dto.target,
    positiveLabel: dto.positiveLabel,
    idColumn: dto.idColumn,
    exclude,
    personal: splitNames(dto.personal),
    types: dto.types === undefined ? undefined : parseTypes(dto.types),
    maxBadRowShare: dto.maxBadRowShare,
  };
}

function splitNames(list: string | undefined): string[] | undefined {
  return list
    ?.split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

function parseTypes(text: string): Record<string, ColumnType> {
  const value: unknown = JSON.parse(text);
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  const entries = isObject ? Object.entries(value as Record<string, unknown>) : [];
  const notText = entries.find(([, type]) => typeof type !== 'string');
  if (!isObject || notText) {
    throw new UserError(
      'validation_failed',
      'types must be a JSON object of column name to type, e.g. {"pdays":"categorical"}.',
      400,
      [{ path: notText ? `$.types.${notText[0]}` : '$.types', message: 'expected text' }],
    );
  }

  return Object.fromEntries(entries) as Record<string, ColumnType>;
}

class ColumnSchemaResponse {
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['numeric', 'categorical', 'boolean', 'date', 'identifier'] }) type: string;
  @ApiProperty({ enum: ['feature', 'target', 'id', 'excluded'] }) role: string;
  @ApiPropertyOptional({
    enum: ['given', 'inferred'],
    description: 'Set on personal columns: named on import, or flagged from the column name.',
  })
  personal?: string;
}

class DatasetSchemaResponse {
  @ApiProperty({ type: [ColumnSchemaResponse] }) columns: ColumnSchemaResponse[];
  @ApiPropertyOptional() target?: string;
  @ApiPropertyOptional() positiveLabel?: string;
  @ApiPropertyOptional() idColumn?: string;
}

class BadRowResponse {
  @ApiProperty() line: number;
  @ApiProperty() row: number;
  @ApiPropertyOptional() column?: number;
  @ApiPropertyOptional() field?: string;
  @ApiProperty() message: string;
}

/** A dataset as `POST /datasets` and `GET /datasets/:id` return it. */
export class DatasetResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() fileName: string;
  @ApiProperty({ enum: ['csv', 'jsonl'] }) format: string;
  @ApiProperty({ nullable: true, type: String }) delimiter: string | null;
  @ApiProperty() rowCount: number;
  @ApiProperty() badRowCount: number;
  @ApiProperty({ type: DatasetSchemaResponse }) schema: DatasetSchemaResponse;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'rows, badRows, per column statistics, and the class balance of the target',
  })
  profile: Record<string, unknown>;
  @ApiProperty({ type: [BadRowResponse] }) badRows: BadRowResponse[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}
