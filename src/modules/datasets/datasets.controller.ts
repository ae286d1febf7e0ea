import { Body, Controller, Get, Param, Post, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { UserError } from '../../common/errors';
import { Roles } from '../access/roles';
import { DatasetView } from './dataset-schema';
import {
  DatasetUploadInterceptor,
  ReceivedUpload,
  UploadedDataset,
} from './dataset-upload.interceptor';
import {
  DatasetResponse,
  ImportDatasetDto,
  ImportDatasetForm,
  importArgsFrom,
} from './datasets.dto';
import { DatasetsService } from './datasets.service';
import { Audited } from '../access/audit.interceptor';

@ApiTags('datasets')
@Roles('marketer')
@Controller('datasets')
@Audited()
export class DatasetsController {
  constructor(private readonly datasets: DatasetsService) {}

  @Roles('admin')
  @Post()
  @UseInterceptors(DatasetUploadInterceptor)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: ImportDatasetForm })
  @ApiCreatedResponse({
    type: DatasetResponse,
    description: 'The imported dataset and its profile.',
  })
  @ApiBadRequestResponse({ description: 'Invalid options, or no file in the field "file".' })
  @ApiUnprocessableEntityResponse({ description: 'The file cannot be imported (see error.code).' })
  @ApiPayloadTooLargeResponse({ description: 'The file is larger than the upload limit.' })
  async import(
    @UploadedDataset() file: ReceivedUpload | undefined,
    @Body() body: ImportDatasetDto,
  ): Promise<DatasetView> {
    if (file === undefined) {
      throw new UserError(
        'dataset_file_missing',
        'Send the file in the multipart field "file".',
        400,
        [{ field: 'file', message: 'missing' }],
      );
    }

    return this.datasets.importFile({
      ...importArgsFrom(body),
      file: file.path,
      fileName: file.originalname,
    });
  }

  @Get()
  @ApiOkResponse({ type: [DatasetResponse], description: 'Every dataset, newest first.' })
  list(): Promise<DatasetView[]> {
    return this.datasets.list();
  }

  @Get(':id')
  @ApiOkResponse({ type: DatasetResponse })
  @ApiNotFoundResponse({ description: 'No dataset with this id.' })
  get(@Param('id') id: string): Promise<DatasetView> {
    return this.datasets.get(id);
  }
}
